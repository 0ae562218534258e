using Mesh.Proxy.Inbound;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Proxy.Tests.Inbound;

public sealed class GcraRateLimiterTests
{
    [Fact]
    public void TryAcquire_BurstOfOneSecondsWorth_ThenDenies()
    {
        var time = new FakeTimeProvider();
        var limiter = new GcraRateLimiter(10, time);
        Assert.Equal(10, Enumerable.Range(0, 50).Count(_ => limiter.TryAcquire()));
    }

    [Fact]
    public void TryAcquire_AfterOneEmissionInterval_AdmitsOneMore()
    {
        var time = new FakeTimeProvider();
        var limiter = new GcraRateLimiter(10, time);
        while (limiter.TryAcquire()) { }
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(limiter.TryAcquire());
        Assert.False(limiter.TryAcquire());
    }

    [Fact]
    public void TryAcquire_SteadyRateAtTheLimit_IsAlwaysAdmitted()
    {
        var time = new FakeTimeProvider();
        var limiter = new GcraRateLimiter(100, time);
        for (var i = 0; i < 1000; i++)
        {
            Assert.True(limiter.TryAcquire());
            time.Advance(TimeSpan.FromMilliseconds(10));
        }
    }

    [Fact]
    public void RateLimitRule_PerIdentityAndOverride_LimitEachIdentitySeparately()
    {
        var time = new FakeTimeProvider();
        var rule = new RateLimitRule("rl", totalRps: 0, identityRps: 2, [(5u, ["spiffe://cluster.local/ns/default/sa/vip"])], time);
        Assert.Equal(2, Enumerable.Range(0, 10).Count(_ => rule.TryAcquire("spiffe://cluster.local/ns/default/sa/a")));
        Assert.Equal(2, Enumerable.Range(0, 10).Count(_ => rule.TryAcquire("spiffe://cluster.local/ns/default/sa/b")));
        Assert.Equal(5, Enumerable.Range(0, 10).Count(_ => rule.TryAcquire("spiffe://cluster.local/ns/default/sa/vip")));
    }

    [Fact]
    public void RateLimitRule_Total_CapsEveryoneTogether()
    {
        var time = new FakeTimeProvider();
        var rule = new RateLimitRule("rl", totalRps: 3, identityRps: 0, [], time);
        Assert.Equal(3, Enumerable.Range(0, 10).Count(i => rule.TryAcquire("id" + i)));
    }
}
