using Mesh.Proxy.Outbound.Resilience;
using Microsoft.Extensions.Time.Testing;
using Yarp.ReverseProxy.Model;

namespace Mesh.Proxy.Tests.Outbound.Resilience;

public sealed class PeakEwmaTests
{
    private static readonly TimeSpan Decay = TimeSpan.FromSeconds(10);

    [Fact]
    public void Observe_SlowerThanEstimate_JumpsToThePeak()
    {
        var time = new FakeTimeProvider();
        var ewma = new PeakEwma(time, TimeSpan.FromMilliseconds(30), Decay);
        ewma.Observe(200);
        Assert.Equal(200, ewma.EstimateMs);
    }

    [Fact]
    public void Observe_FasterThanEstimate_MovesByElapsedTimeOverDecay()
    {
        var time = new FakeTimeProvider();
        var ewma = new PeakEwma(time, TimeSpan.FromMilliseconds(30), Decay);
        time.Advance(Decay); // one decay period: weight of the old estimate is e^-1
        ewma.Observe(10);
        Assert.Equal(30 * Math.Exp(-1) + 10 * (1 - Math.Exp(-1)), ewma.EstimateMs, 6);
    }

    [Fact]
    public void Load_Idle_DecaysTowardsZero_AndScalesWithPending()
    {
        var time = new FakeTimeProvider();
        var ewma = new PeakEwma(time, TimeSpan.FromMilliseconds(100), Decay);
        Assert.Equal(300, ewma.Load(pending: 2), 6);
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(ewma.Load(0) < 100 * Math.Exp(-2.9));
    }

    [Fact]
    public void Pick_TwoEndpoints_PrefersTheLowerLatency()
    {
        var time = new FakeTimeProvider();
        var stats = new EndpointStats(time);
        var fast = new DestinationState("fast");
        var slow = new DestinationState("slow");
        stats.Get(fast).Latency.Observe(5);
        stats.Get(slow).Latency.Observe(80);
        var policy = new PeakEwmaLoadBalancingPolicy(stats);
        var random = new Random(1);
        for (var i = 0; i < 100; i++) Assert.True(ReferenceEquals(fast, policy.Pick([fast, slow], random)));
    }

    [Fact]
    public void Pick_ManyEndpoints_NeverPicksTheWorstAndSpreadsOverTheRest()
    {
        var time = new FakeTimeProvider();
        var stats = new EndpointStats(time);
        var destinations = Enumerable.Range(0, 5).Select(i => new DestinationState("d" + i)).ToArray();
        for (var i = 0; i < 5; i++) stats.Get(destinations[i]).Latency.Observe(10 * (i + 1));
        var policy = new PeakEwmaLoadBalancingPolicy(stats);
        var random = new Random(3);
        var picks = Enumerable.Range(0, 1000).Select(_ => policy.Pick(destinations, random)!).ToList();
        // DestinationState is itself a list of one (YARP), so compare references, not contents.
        Assert.Equal(0, picks.Count(p => ReferenceEquals(p, destinations[4])));
        Assert.True(picks.Count(p => ReferenceEquals(p, destinations[3])) > 0);
        Assert.True(picks.Count(p => ReferenceEquals(p, destinations[0])) > picks.Count(p => ReferenceEquals(p, destinations[3])));
    }

    [Fact]
    public void Pick_NoDestinations_ReturnsNull()
    {
        var policy = new PeakEwmaLoadBalancingPolicy(new EndpointStats(TimeProvider.System));
        Assert.Null(policy.Pick([], new Random(1)));
    }
}
