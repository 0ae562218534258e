using Mesh.Proxy.Tests.Infrastructure;

namespace Mesh.Proxy.Tests.ControlPlane;

/// <summary>Golden-metric summaries reach the control plane (Telemetry.Report) without Prometheus.</summary>
[Trait("Category", "E2E")]
public sealed class TelemetryReportTests : IAsyncLifetime
{
    private MeshTopology _mesh = null!;

    public async Task InitializeAsync() => _mesh = await MeshTopology.StartAsync(s => s with
    {
        ReportInterval = TimeSpan.FromMilliseconds(200),
        Services = s.Workload == "books" ? ["books"] : [],
    });

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task Requests_AreReportedPerIntervalWithDirectionAuthorityAndLatency()
    {
        var books = await _mesh.AddServerAsync("books");
        _mesh.Discovery.SetService(MeshTopology.Books, [books.Endpoint()]);
        using var client = _mesh.HttpProxyClient();
        for (var i = 0; i < 5; i++) (await client.GetAsync("http://books.default:8080/")).EnsureSuccessStatusCode();
        await Poll.UntilAsync(() => _mesh.Discovery.Reports.Where(r => r.Workload == "client").SelectMany(r => r.Traffic)
            .Where(t => t.Direction == "outbound" && t.Authority == MeshTopology.Books).Sum(t => (long)t.Requests) >= 5,
            TimeSpan.FromSeconds(10), "the client sidecar's outbound report");
        await Poll.UntilAsync(() => _mesh.Discovery.Reports.Where(r => r.Workload == "books").SelectMany(r => r.Traffic)
            .Where(t => t.Direction == "inbound").Sum(t => (long)t.Successes) >= 5,
            TimeSpan.FromSeconds(10), "the server sidecar's inbound report");
        var sample = _mesh.Discovery.Reports.SelectMany(r => r.Traffic).First(t => t.Requests > 0);
        Assert.Equal(sample.LatencyBoundsMs.Count + 1, sample.LatencyBuckets.Count);
        Assert.Equal(sample.Requests, sample.LatencyBuckets.Aggregate(0UL, (a, b) => a + b));
        // These sidecars run without trust anchors (dev mode): the hop is plaintext even though discovery named an identity.
        var outbound = _mesh.Discovery.Reports.Where(r => r.Workload == "client").SelectMany(r => r.Traffic).Where(t => t.Requests > 0).ToList();
        Assert.All(outbound, t => Assert.False(t.Tls));
        Assert.All(outbound, t => Assert.Equal("", t.DestinationIdentity));
    }

    [Fact]
    public async Task Stop_BeforeTheFirstInterval_SendsWhatWasCounted()
    {
        // A short-lived `mesh run` client: its sidecar stops long before its first report is due.
        await using var mesh = await MeshTopology.StartAsync(s => s with { ReportInterval = TimeSpan.FromMinutes(10) });
        var books = await mesh.AddServerAsync("books");
        mesh.Discovery.SetService(MeshTopology.Books, [books.Endpoint()]);
        using (var client = mesh.HttpProxyClient())
            for (var i = 0; i < 3; i++) (await client.GetAsync("http://books.default:8080/")).EnsureSuccessStatusCode();

        await mesh.Client.StopAsync();

        await Poll.UntilAsync(() => mesh.Discovery.Reports.Where(r => r.Workload == "client").SelectMany(r => r.Traffic)
            .Where(t => t.Direction == "outbound" && t.Authority == MeshTopology.Books).Sum(t => (long)t.Requests) == 3,
            TimeSpan.FromSeconds(10), "the stopped client sidecar's last report");
    }

    [Fact]
    public async Task ServedWorkload_ReportsServicesPathsAndInboundConnections()
    {
        var books = await _mesh.AddServerAsync("books");
        _mesh.Discovery.SetService(MeshTopology.Books, [books.Endpoint()]);
        using var client = _mesh.HttpProxyClient();
        for (var i = 0; i < 5; i++) (await client.GetAsync("http://books.default:8080/shelf/" + (i % 2))).EnsureSuccessStatusCode();

        IEnumerable<Api.V1.TrafficStats> Inbound() => _mesh.Discovery.Reports.Where(r => r.Workload == "books").SelectMany(r => r.Traffic)
            .Where(t => t.Direction == "inbound");
        await Poll.UntilAsync(() => Inbound().Where(t => t.Path.StartsWith("/shelf/", StringComparison.Ordinal)).Sum(t => (long)t.Requests) >= 5,
            TimeSpan.FromSeconds(10), "inbound requests reported with their paths");
        await Poll.UntilAsync(() => Inbound().Sum(t => (long)t.TcpOpened) >= 1, TimeSpan.FromSeconds(10), "the inbound connection reported");

        var served = _mesh.Discovery.Reports.Where(r => r.Workload == "books").ToList();
        Assert.All(served, r => Assert.Equal(["books"], r.Services));
        // Attributed to the served service: the listener's own label is not sent as the authority.
        Assert.All(Inbound(), t => Assert.Equal("", t.Authority));
        Assert.Equal(["/shelf/0", "/shelf/1"], Inbound().Where(t => t.Requests > 0).Select(t => t.Path).Distinct().Order());
    }

    [Fact]
    public async Task Report_CarriesTheViewVersionsEachWatchAndTheInboundPolicyServe()
    {
        var books = await _mesh.AddServerAsync("books");
        _mesh.Discovery.SetService(MeshTopology.Books, [books.Endpoint()], new Api.V1.ServiceProfile { SourceVersion = 4 }, endpointsVersion: 7);
        _mesh.Discovery.SetInbound("books", new Api.V1.InboundPolicy { Exists = true }, sourceVersion: 9);
        using var client = _mesh.HttpProxyClient();
        (await client.GetAsync("http://books.default:8080/")).EnsureSuccessStatusCode();

        Api.V1.ServedVersion? Served() => _mesh.Discovery.Reports.Where(r => r.Workload == "client")
            .SelectMany(r => r.Served).LastOrDefault(v => v.Authority == MeshTopology.Books);
        await Poll.UntilAsync(() => Served() is { EndpointsVersion: 7, ProfileVersion: 4 }, TimeSpan.FromSeconds(10), "the client's report of books' versions");
        var served = Served()!;
        Assert.True(served.Exists);
        Assert.True(served.Connected);
        Assert.Equal(MeshTopology.Books, served.CanonicalAuthority);
        await Poll.UntilAsync(() => _mesh.Discovery.Reports.Any(r => r.Workload == "books" && r.InboundPolicyVersion == 9),
            TimeSpan.FromSeconds(10), "the server's report of its inbound policy version");

        // A later change reaches the next reports (collected at report time, not frozen at the first).
        _mesh.Discovery.SetService(MeshTopology.Books, [books.Endpoint()], new Api.V1.ServiceProfile { SourceVersion = 5 }, endpointsVersion: 8);
        await Poll.UntilAsync(() => Served() is { EndpointsVersion: 8, ProfileVersion: 5 }, TimeSpan.FromSeconds(10), "the new versions reported");
    }
}
