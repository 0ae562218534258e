using Mesh.Abstractions.Stats;
using Mesh.Api.V1;
using static Mesh.ControlPlane.Tests.Stats.Reports;
using static Mesh.ControlPlane.Tests.Stats.StatsTestData;

namespace Mesh.ControlPlane.Tests.Stats;

[Collection(StatsHostCollection.Name)]
public sealed class StatsGrainTests(StatsHostFixture host)
{
    private readonly string _ns = $"t{Guid.NewGuid():N}"[..12];

    private static StatsSlice Slice(string proxy, long interval, long requests) =>
        new(proxy, interval, 1000, new WorkloadRef("ns", "w", ""), null, One(Sample(TrafficDirection.Inbound, requests)));

    [Fact]
    public async Task RecordAsync_SameProxyAndIntervalTwice_CountsOnce()
    {
        var grain = host.Grains.GetGrain<IStatsGrain>(StatsKeys.Service(_ns, "books"));
        Assert.True(await grain.RecordAsync(Slice("p1", 1_000, 10)));
        Assert.False(await grain.RecordAsync(Slice("p1", 1_000, 10)));
        Assert.True(await grain.RecordAsync(Slice("p1", 2_000, 5)));
        Assert.True(await grain.RecordAsync(Slice("p2", 1_000, 7)));

        var summary = await grain.GetAsync(StatsWindow.OneMinute);
        Assert.Equal(22, summary.Metrics.Requests);
    }

    [Fact]
    public async Task Report_RetriedThroughGrpc_CountsOnceAndAckSaysDuplicate()
    {
        var client = new Telemetry.TelemetryClient(host.Channel);
        var report = Report(_ns, "books", 1_700_000_000_000, Inbound(_ns, "books", 40, 2, 12));

        Assert.False((await client.ReportAsync(report)).Duplicate);
        Assert.True((await client.ReportAsync(report)).Duplicate);

        var summary = await host.Grains.GetGrain<IStatsGrain>(StatsKeys.Service(_ns, "books")).GetAsync(StatsWindow.OneMinute);
        Assert.Equal(40, summary.Metrics.Requests);
        Assert.Equal(38.0 / 40, summary.Metrics.SuccessRate!.Value, 6);
    }

    [Fact]
    public async Task Report_TwoReplicas_PercentilesFromMergedHistogram()
    {
        var client = new Telemetry.TelemetryClient(host.Channel);
        var fast = Report(_ns, "authors", 1_700_000_000_000, Inbound(_ns, "authors", 95, 0, 3));
        var slow = Report(_ns, "authors", 1_700_000_000_000, Inbound(_ns, "authors", 5, 0, 2500));
        slow.ProxyId = "authors-2-proxy";
        await client.ReportAsync(fast);
        await client.ReportAsync(slow);

        var m = (await host.Grains.GetGrain<IStatsGrain>(StatsKeys.Service(_ns, "authors")).GetAsync(StatsWindow.OneMinute)).Metrics;
        Assert.Equal(100, m.Requests);
        Assert.InRange(m.LatencyP50Ms!.Value, 2, 3);
        Assert.InRange(m.LatencyP99Ms!.Value, 2000, 3000);
    }

    [Fact]
    public async Task Report_ClientAndServer_ServiceEdgeAndDirectoryFilled()
    {
        var client = new Telemetry.TelemetryClient(host.Channel);
        var interval = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var web = Report(_ns, "web", interval, Outbound(_ns, "books", 30, 0, 8, route: "books-route", backend: "books-v1"));
        web.ProxyClockUnixMs = DateTimeOffset.UtcNow.AddSeconds(42).ToUnixTimeMilliseconds();
        await client.ReportAsync(web);
        await client.ReportAsync(Report(_ns, "books", interval, Inbound(_ns, "books", 29, 1, 6, sourceIdentity: Spiffe(_ns, "web"))));

        var edge = await host.Grains.GetGrain<IStatsGrain>(StatsKeys.Edge(Spiffe(_ns, "web"), $"{_ns}/books")).GetAsync(StatsWindow.OneMinute);
        Assert.Equal(30, edge.Metrics.Requests);
        Assert.Equal(100, edge.Metrics.MtlsPercent);
        Assert.Equal((Spiffe(_ns, "books"), $"{_ns}/web"), (edge.Edge!.DestinationIdentity, edge.Edge.Source));

        var books = await host.Grains.GetGrain<IStatsGrain>(StatsKeys.Service(_ns, "books")).GetAsync(StatsWindow.OneMinute);
        Assert.Equal(29, books.Metrics.Requests);      // the server's view, not 30 + 29
        Assert.Equal(30, books.Outbound.Requests);
        Assert.Equal(["books-route"], books.Routes.Select(r => r.Name));

        var directory = await host.Grains.GetGrain<IStatsDirectoryGrain>(IStatsDirectoryGrain.Key).GetAsync();
        Assert.Contains($"{_ns}/books", directory.Services);
        var webProxy = Assert.Single(directory.Proxies, p => p.Namespace == _ns && p.Workload == "web");
        Assert.InRange(webProxy.ClockSkewMs, 30_000, 50_000);
        Assert.Equal([$"{_ns}/web"], webProxy.Services.ToArray());
    }
}
