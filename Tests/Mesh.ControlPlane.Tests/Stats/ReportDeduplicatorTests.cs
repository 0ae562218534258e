using Mesh.Abstractions.Stats;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.ControlPlane.Tests.Stats;

public sealed class ReportDeduplicatorTests
{
    [Fact]
    public void TryAdd_SameProxyAndInterval_SecondIsRejected()
    {
        var dedup = new ReportDeduplicator(new FakeTimeProvider());
        Assert.True(dedup.TryAdd("p1", 1000));
        Assert.False(dedup.TryAdd("p1", 1000));
        Assert.True(dedup.TryAdd("p1", 2000));
        Assert.True(dedup.TryAdd("p2", 1000));
    }

    [Fact]
    public void TryAdd_OverCapacity_OldestForgottenAndBounded()
    {
        var dedup = new ReportDeduplicator(new FakeTimeProvider(), capacity: 3);
        for (var i = 0; i < 10; i++) Assert.True(dedup.TryAdd("p", i));
        Assert.Equal(3, dedup.Count);
        Assert.False(dedup.TryAdd("p", 9));
        Assert.True(dedup.TryAdd("p", 0));
    }

    [Fact]
    public void TryAdd_AfterRetention_KeyForgotten()
    {
        var time = new FakeTimeProvider();
        var dedup = new ReportDeduplicator(time, retention: TimeSpan.FromMinutes(15));
        Assert.True(dedup.TryAdd("p", 1));
        time.Advance(TimeSpan.FromMinutes(14));
        Assert.False(dedup.TryAdd("p", 1));
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.True(dedup.TryAdd("p", 1));
    }
}
