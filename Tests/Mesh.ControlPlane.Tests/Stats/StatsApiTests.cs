using System.Net;
using System.Text.Json;
using Mesh.Api.V1;
using static Mesh.ControlPlane.Tests.Stats.Reports;

namespace Mesh.ControlPlane.Tests.Stats;

[Collection(StatsHostCollection.Name)]
public sealed class StatsApiTests(StatsHostFixture host) : IAsyncLifetime
{
    private readonly string _ns = $"t{Guid.NewGuid():N}"[..12];

    /// <summary>An unmeshed client → web → books (canary v1/v2) → authors, one interval of it.</summary>
    public async Task InitializeAsync()
    {
        var client = new Telemetry.TelemetryClient(host.Channel);
        var t = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await client.ReportAsync(Report(_ns, "web", t,
            Inbound(_ns, "web", 100, 0, 20, tls: false, path: "/"),
            Outbound(_ns, "books", 100, 5, 15, route: "books-route", backend: "books-v1", path: "/books")));
        await client.ReportAsync(Report(_ns, "books", t,
            Inbound(_ns, "books", 100, 5, 12, sourceIdentity: Spiffe(_ns, "web"), path: "/books"),
            Outbound(_ns, "authors", 50, 0, 2, path: "/authors/1")));
        await client.ReportAsync(Report(_ns, "authors", t,
            Inbound(_ns, "authors", 50, 0, 1.5, sourceIdentity: Spiffe(_ns, "books"), path: "/authors/1")));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<JsonElement> Get(string path)
    {
        using var response = await host.Admin.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [Fact]
    public async Task Services_Namespace_RowsWithGoldenMetrics()
    {
        var rows = (await Get($"/api/v1/stats/services?namespace={_ns}&window=1m")).EnumerateArray().ToList();
        Assert.Equal(["authors", "books", "web"], rows.Select(r => r.GetProperty("name").GetString()).Order());
        var books = rows.Single(r => r.GetProperty("name").GetString() == "books");
        Assert.Equal(_ns, books.GetProperty("namespace").GetString());
        Assert.True(books.GetProperty("meshed").GetBoolean());
        Assert.Equal(0.95, books.GetProperty("successRate").GetDouble(), 6);
        Assert.Equal(100, books.GetProperty("requests").GetInt64());
        // 100 requests over the time data exists (one 1 s interval, plus the time since): between 100/60 and 100.
        Assert.InRange(books.GetProperty("rps").GetDouble(), 100.0 / 60, 100);
        Assert.InRange(books.GetProperty("latencyP50Ms").GetDouble(), 10, 20);
        Assert.InRange(books.GetProperty("latencyP95Ms").GetDouble(), 10, 20);
        Assert.InRange(books.GetProperty("latencyP99Ms").GetDouble(), 10, 20);
        Assert.Equal(100, books.GetProperty("mtlsPercent").GetDouble());
        Assert.Equal(1, books.GetProperty("tcpConnections").GetInt64());
        var web = rows.Single(r => r.GetProperty("name").GetString() == "web");
        Assert.Equal(0, web.GetProperty("mtlsPercent").GetDouble());
    }

    [Fact]
    public async Task Edges_Namespace_CallerToCalleeWithIdentitiesAndMtls()
    {
        var rows = (await Get($"/api/v1/stats/edges?namespace={_ns}&window=10s")).EnumerateArray()
            .Select(r => (Src: r.GetProperty("src").GetString(), Dst: r.GetProperty("dst").GetString(), Mtls: r.GetProperty("mtls").GetBoolean(),
                SrcId: r.GetProperty("srcIdentity").GetString(), DstId: r.GetProperty("dstIdentity").GetString()))
            .OrderBy(r => r.Dst).ToList();
        Assert.Equal(
        [
            ($"{_ns}/books", $"{_ns}/authors", true, Spiffe(_ns, "books"), Spiffe(_ns, "authors")),
            ($"{_ns}/web", $"{_ns}/books", true, Spiffe(_ns, "web"), Spiffe(_ns, "books")),
            ("", $"{_ns}/web", false, "", Spiffe(_ns, "web")),
        ], rows);
    }

    [Fact]
    public async Task Routes_Service_PerRouteAndBackend()
    {
        var body = await Get($"/api/v1/stats/routes/{_ns}/books?window=1m");
        var route = Assert.Single(body.GetProperty("routes").EnumerateArray());
        Assert.Equal("books-route", route.GetProperty("name").GetString());
        Assert.Equal(0.95, route.GetProperty("successRate").GetDouble(), 6);
        Assert.Equal("books-v1", Assert.Single(body.GetProperty("backends").EnumerateArray()).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Top_Namespace_MostCalledPathsFirst()
    {
        var rows = (await Get($"/api/v1/stats/top?namespace={_ns}&window=10s")).EnumerateArray().ToList();
        Assert.Equal(["/", "/books", "/authors/1"], rows.Select(r => r.GetProperty("path").GetString()).Take(2).Append(rows[2].GetProperty("path").GetString()));
        Assert.Equal(100, rows[0].GetProperty("requests").GetInt64());
    }

    [Fact]
    public async Task ServiceDetail_Known_HasSeriesAndCallers()
    {
        var body = await Get($"/api/v1/stats/services/{_ns}/books?window=10m");
        Assert.Equal(60, body.GetProperty("series").GetArrayLength());
        Assert.Equal($"{_ns}/web", Assert.Single(body.GetProperty("inbound").EnumerateArray()).GetProperty("src").GetString());
        Assert.Equal($"{_ns}/authors", Assert.Single(body.GetProperty("outbound").EnumerateArray()).GetProperty("dst").GetString());
    }

    [Theory]
    [InlineData("/api/v1/stats/services/{0}/nope")]
    [InlineData("/api/v1/stats/routes/{0}/nope")]
    public async Task ServiceDetailOrRoutes_Unknown_404ProblemSayingWhy(string path)
    {
        using var response = await host.Admin.GetAsync(string.Format(path, _ns));
        Assert.Contains("has no stats yet", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Proxies_All_StatusAndNoProblemsForHealthyProxy()
    {
        var rows = (await Get("/api/v1/proxies")).EnumerateArray().Where(r => r.GetProperty("namespace").GetString() == _ns).ToList();
        Assert.Equal(3, rows.Count);
        var web = rows.Single(r => r.GetProperty("workload").GetString() == "web");
        Assert.Equal(Spiffe(_ns, "web"), web.GetProperty("identity").GetString());
        Assert.True(web.GetProperty("discoveryConnected").GetBoolean());
        Assert.InRange(web.GetProperty("certRemainingSeconds").GetInt64(), 23 * 3600, 24 * 3600);
        Assert.Equal(0, web.GetProperty("problems").GetArrayLength());
    }

    [Fact]
    public async Task Proxies_ReportWithServedVersions_ListsTheLatestPerProxy()
    {
        var client = new Telemetry.TelemetryClient(host.Channel);
        var t = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var (start, endpoints) in new[] { (t + 1000, 3L), (t + 2000, 5L) })
        {
            var report = Report(_ns, "reader", start);
            report.Served.Add(new ServedVersion
            {
                Authority = "books:8080", CanonicalAuthority = $"books.{_ns}.svc.cluster.local:8080", Exists = true,
                EndpointsVersion = endpoints, ProfileVersion = 2, Connected = true,
            });
            report.InboundPolicyVersion = endpoints + 10;
            await client.ReportAsync(report);
        }

        var row = (await Get("/api/v1/proxies")).EnumerateArray().Single(r => r.GetProperty("namespace").GetString() == _ns && r.GetProperty("workload").GetString() == "reader");
        var served = Assert.Single(row.GetProperty("served").EnumerateArray());
        Assert.Equal("books:8080", served.GetProperty("authority").GetString());
        Assert.Equal($"books.{_ns}.svc.cluster.local:8080", served.GetProperty("canonicalAuthority").GetString());
        Assert.True(served.GetProperty("exists").GetBoolean());
        Assert.Equal(5, served.GetProperty("endpointsVersion").GetInt64());
        Assert.Equal(2, served.GetProperty("profileVersion").GetInt64());
        Assert.True(served.GetProperty("connected").GetBoolean());
        Assert.Equal(15, row.GetProperty("inboundPolicyVersion").GetInt64());
    }

    [Fact]
    public async Task Report_MoreServedEntriesThanTheCap_Rejected()
    {
        var report = Report(_ns, "greedy", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        for (var i = 0; i <= Silo.Telemetry.StatsReportValidator.MaxServed; i++)
            report.Served.Add(new ServedVersion { Authority = $"s{i}:80", Exists = true });

        var e = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () => await new Telemetry.TelemetryClient(host.Channel).ReportAsync(report));

        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("served has 257 entries; at most 256", e.Status.Detail);
    }

    [Theory]
    [InlineData("/api/v1/stats/services?window=5m")]
    [InlineData("/api/v1/stats/edges?window=1h")]
    [InlineData("/api/v1/stats/routes/default/books?window=x")]
    [InlineData("/api/v1/stats/top?window=30s")]
    [InlineData("/api/v1/stats/services/default/books?window=2m")]
    public async Task AnyStatsEndpoint_BadWindow_400ProblemListingValidWindows(string path)
    {
        using var response = await host.Admin.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var detail = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString();
        Assert.Contains("use one of 10s, 1m, 10m", detail);
    }

    [Fact]
    public async Task Top_BadLimit_400Problem()
    {
        using var response = await host.Admin.GetAsync("/api/v1/stats/top?limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
