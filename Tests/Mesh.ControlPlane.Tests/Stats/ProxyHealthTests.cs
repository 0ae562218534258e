using System.Collections.Immutable;
using Mesh.Abstractions.Stats;
using Mesh.Silo.Telemetry;

namespace Mesh.ControlPlane.Tests.Stats;

public sealed class ProxyHealthTests
{
    private const long Now = 1_800_000_000_000;

    private static ProxyStatus Healthy() => new("p", "default", "web", "spiffe://cluster.local/ns/default/sa/web", "0.1.0",
        ["default/web"], Now - 1000, Now - 2000, 1000, Now + 86_400_000, true, 150);

    [Fact]
    public void ProxyRow_Healthy_NoProblems() => Assert.Empty(StatsApi.ProxyRow(Healthy(), Now).Problems);

    [Fact]
    public void ProxyRow_EveryFailure_ProblemSaysHowToFix()
    {
        var sick = Healthy() with { LastReportUnixMs = Now - 60_000, CertNotAfterUnixMs = Now - 1, DiscoveryConnected = false, ClockSkewMs = -45_000 };
        var problems = StatsApi.ProxyRow(sick, Now).Problems;
        Assert.Collection(problems,
            p => Assert.Contains("no stats report for 60 s", p),
            p => Assert.Contains("certificate expired", p),
            p => Assert.Contains("not connected to discovery", p),
            p => Assert.Contains("clock skew -45 s exceeds the 20 s allowance; sync the host clock", p));
    }

    [Fact]
    public void ProxyRow_NoCertificate_Problem() =>
        Assert.Contains("no workload certificate", Assert.Single(StatsApi.ProxyRow(Healthy() with { CertNotAfterUnixMs = 0 }, Now).Problems));
}
