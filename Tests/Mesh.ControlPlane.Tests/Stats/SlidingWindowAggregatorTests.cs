using Mesh.Abstractions.Stats;
using Microsoft.Extensions.Time.Testing;
using static Mesh.ControlPlane.Tests.Stats.StatsTestData;

namespace Mesh.ControlPlane.Tests.Stats;

public sealed class SlidingWindowAggregatorTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Query_ReportsOlderThanWindow_AreExcluded()
    {
        var window = new SlidingWindowAggregator(_time);
        window.Add("p1", One(Sample(TrafficDirection.Inbound, 100)));
        _time.Advance(TimeSpan.FromSeconds(30));
        window.Add("p1", One(Sample(TrafficDirection.Inbound, 20)));

        Assert.Equal(20, window.Query(StatsWindow.TenSeconds).Metrics.Requests);
        Assert.Equal(120, window.Query(StatsWindow.OneMinute).Metrics.Requests);
        Assert.Equal(2.0, window.Query(StatsWindow.TenSeconds).Metrics.Rps, 6);
        Assert.Equal(120 / 30.0, window.Query(StatsWindow.OneMinute).Metrics.Rps, 6);  // data exists for 30 s only
        _time.Advance(TimeSpan.FromSeconds(50));
        Assert.Equal(20 / 60.0, window.Query(StatsWindow.OneMinute).Metrics.Rps, 6);
    }

    [Fact]
    public void Query_ServiceStartedWithinWindow_RpsOverTimeDataExists()
    {
        var window = new SlidingWindowAggregator(_time);
        for (var i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            window.Add("p1", One(Sample(TrafficDirection.Inbound, 20)), intervalMs: 1000);
        }
        Assert.Equal(20, window.Query(StatsWindow.OneMinute).Metrics.Rps, 6);
        Assert.Equal(20, window.Query(StatsWindow.TenMinutes).Metrics.Rps, 6);
    }

    [Fact]
    public void Query_AfterRetention_DataIsDropped()
    {
        var window = new SlidingWindowAggregator(_time);
        window.Add("p1", One(Sample(TrafficDirection.Inbound, 100)));
        _time.Advance(TimeSpan.FromMinutes(9) + TimeSpan.FromSeconds(59));
        Assert.Equal(100, window.Query(StatsWindow.TenMinutes).Metrics.Requests);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, window.Query(StatsWindow.TenMinutes).Metrics.Requests);
        Assert.Null(window.Query(StatsWindow.TenMinutes).Metrics.SuccessRate);
    }

    [Fact]
    public void Query_TwoProxies_SuccessRateAndPercentilesOverBoth()
    {
        var window = new SlidingWindowAggregator(_time);
        window.Add("p1", One(Sample(TrafficDirection.Inbound, 90, failures: 0, latencyMs: 3)));
        window.Add("p2", One(Sample(TrafficDirection.Inbound, 10, failures: 5, latencyMs: 700)));

        var m = window.Query(StatsWindow.OneMinute).Metrics;
        Assert.Equal(100, m.Requests);
        Assert.Equal(0.95, m.SuccessRate!.Value, 6);
        Assert.InRange(m.LatencyP50Ms!.Value, 2, 3);       // 90 % of requests are in (2, 3]
        Assert.InRange(m.LatencyP99Ms!.Value, 500, 1000);  // the slow proxy's bucket
    }

    [Fact]
    public void Query_BothSides_PrefersServerViewAndDoesNotDoubleCount()
    {
        var window = new SlidingWindowAggregator(_time);
        window.Add("client", One(Sample(TrafficDirection.Outbound, 50)));
        Assert.Equal(50, window.Query(StatsWindow.OneMinute).Metrics.Requests);

        window.Add("server", One(Sample(TrafficDirection.Inbound, 48)));
        var answer = window.Query(StatsWindow.OneMinute);
        Assert.Equal(48, answer.Metrics.Requests);
        Assert.Equal(50, answer.Outbound.Requests);
    }

    [Fact]
    public void Query_MixedTls_MtlsPercentIsShareOfRequests()
    {
        var window = new SlidingWindowAggregator(_time);
        window.Add("p1", [Sample(TrafficDirection.Inbound, 75, tls: true), Sample(TrafficDirection.Inbound, 25, tls: false)]);
        Assert.Equal(75, window.Query(StatsWindow.OneMinute).Metrics.MtlsPercent!.Value, 6);
    }

    [Fact]
    public void Query_TcpOpenGauge_IsLatestPerProxyNotSummedOverTime()
    {
        var window = new SlidingWindowAggregator(_time);
        window.Add("p1", One(Sample(TrafficDirection.Inbound, 1, tcpOpen: 4)));
        _time.Advance(TimeSpan.FromSeconds(2));
        window.Add("p1", One(Sample(TrafficDirection.Inbound, 1, tcpOpen: 3)));
        window.Add("p2", One(Sample(TrafficDirection.Inbound, 1, tcpOpen: 2)));
        Assert.Equal(5, window.Query(StatsWindow.OneMinute).Metrics.TcpOpen);
    }

    [Fact]
    public void Query_RoutesBackendsPaths_AreBrokenDownAndSorted()
    {
        var window = new SlidingWindowAggregator(_time);
        window.Add("web", [
            Sample(TrafficDirection.Outbound, 90, route: "default/books/rule-0", backend: "books-v1", path: "/books"),
            Sample(TrafficDirection.Outbound, 10, failures: 1, route: "default/books/rule-0", backend: "books-v2", path: "/books/1"),
        ]);
        var answer = window.Query(StatsWindow.OneMinute);
        Assert.Equal([("default/books/rule-0", 100L)], answer.Routes.Select(r => (r.Name, r.Metrics.Requests)));
        Assert.Equal([("books-v1", 90L), ("books-v2", 10L)], answer.Backends.Select(r => (r.Name, r.Metrics.Requests)));
        Assert.Equal(0.9, answer.Backends[1].Metrics.SuccessRate!.Value, 6);
        Assert.Equal(["/books", "/books/1"], answer.Paths.Select(p => p.Name));
    }

    [Fact]
    public void Query_InboundAuthorizationNames_AreNotRoutes()
    {
        var window = new SlidingWindowAggregator(_time);
        window.Add("web", [Sample(TrafficDirection.Outbound, 10, route: "default/books-split/rule-0")]);
        window.Add("books", [Sample(TrafficDirection.Inbound, 10, route: "default:all-unauthenticated")]);
        Assert.Equal(["default/books-split/rule-0"], window.Query(StatsWindow.OneMinute).Routes.Select(r => r.Name));

        var serverOnly = new SlidingWindowAggregator(_time);
        serverOnly.Add("books", [Sample(TrafficDirection.Inbound, 10, route: "default:all-unauthenticated")]);
        Assert.Empty(serverOnly.Query(StatsWindow.OneMinute).Routes);
    }

    [Fact]
    public void Add_ManyDistinctPaths_BoundedPerSlotRestCountedAsOther()
    {
        var window = new SlidingWindowAggregator(_time);
        window.Add("p1", Enumerable.Range(0, 500).Select(i => Sample(TrafficDirection.Inbound, 1, path: $"/books/{i}")));
        var answer = window.Query(StatsWindow.OneMinute);
        Assert.Equal(SlidingWindowAggregator.MaxPaths, answer.Paths.Length);
        Assert.Equal(("(other)", 400L), (answer.Paths[0].Name, answer.Paths[0].Metrics.Requests));
        Assert.Equal(500, answer.Metrics.Requests);
    }

    [Fact]
    public void Series_StepsCoverWindowOldestFirst()
    {
        var window = new SlidingWindowAggregator(_time);
        window.Add("p1", One(Sample(TrafficDirection.Inbound, 10, latencyMs: 40)));
        _time.Advance(TimeSpan.FromSeconds(5));
        window.Add("p1", One(Sample(TrafficDirection.Inbound, 20, latencyMs: 4)));

        var series = window.Series(StatsWindow.TenSeconds, TimeSpan.FromSeconds(1));
        Assert.Equal(10, series.Length);
        Assert.True(series.Zip(series.Skip(1)).All(p => p.First.EndUnixMs < p.Second.EndUnixMs));
        Assert.Equal(20, series[^1].Rps, 6);
        Assert.InRange(series[^1].LatencyP50Ms!.Value, 3, 4);
        Assert.Equal(10, series[^6].Rps, 6);
        Assert.InRange(series[^6].LatencyP50Ms!.Value, 30, 40);
        Assert.Null(series[^2].LatencyP50Ms);
    }

    [Fact]
    public void Query_NonPositiveWindow_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SlidingWindowAggregator(_time).Query(TimeSpan.Zero));
}
