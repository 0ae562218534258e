using Mesh.Grains.Federation;

namespace Mesh.ControlPlane.Tests.Federation;

/// <summary>The gateway verdict from a sequence of probes: threshold failures in a row → dead, one success → alive,
/// a fresh start → alive.</summary>
public sealed class GatewayHealthTests
{
    private static readonly GatewayTarget Gateway = new("10.0.0.9", 4143, "spiffe://west.mesh/ns/mesh/sa/gateway");
    private static readonly GatewayProbeResult Ok = GatewayProbeResult.Succeeded(TimeSpan.FromMilliseconds(7));
    private static readonly GatewayProbeResult Refused = GatewayProbeResult.Failed("Connection refused");

    private static GatewayHealth Run(params GatewayProbeResult[] probes) =>
        probes.Aggregate(GatewayHealth.Assumed, (h, p) => h.Observe(p, failureThreshold: 3, Gateway, "/ready"));

    [Fact]
    public void Assumed_BeforeAnyProbe_IsAlive()
    {
        Assert.True(GatewayHealth.Assumed.Alive);
        Assert.Equal(GatewayHealth.Reasons.NotProbedYet, GatewayHealth.Assumed.Reason);
        Assert.Null(GatewayHealth.Assumed.Latency);
    }

    [Fact]
    public void Observe_FailuresBelowThreshold_StillAliveButFailing()
    {
        var health = Run(Refused, Refused);
        Assert.True(health.Alive);
        Assert.Equal((GatewayHealth.Reasons.ProbeFailing, 2), (health.Reason, health.Failures));
        Assert.Contains("Connection refused", health.Message);
    }

    [Fact]
    public void Observe_ThresholdFailuresInARow_Dead_KeepsLastSuccessfulLatency()
    {
        var health = Run(Ok, Refused, Refused, Refused, Refused);
        Assert.False(health.Alive);
        Assert.Equal(GatewayHealth.Reasons.ProbeFailed, health.Reason);
        Assert.Equal(TimeSpan.FromMilliseconds(7), health.Latency);
        Assert.Contains("not ready until a probe succeeds", health.Message);
    }

    [Fact]
    public void Observe_ASuccessBetweenFailures_ResetsTheCount()
    {
        Assert.True(Run(Refused, Refused, Ok, Refused, Refused).Alive);
    }

    [Fact]
    public void Observe_OneSuccessAfterDead_AliveAgain()
    {
        var health = Run(Refused, Refused, Refused, Ok);
        Assert.True(health.Alive);
        Assert.Equal((GatewayHealth.Reasons.ProbeSucceeded, 0), (health.Reason, health.Failures));
        Assert.Contains("7 ms", health.Message);
    }
}
