using System.Collections.Immutable;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.Abstractions.Stats;
using Mesh.Api.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using System.Collections;
using System.Net.Http.Headers;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Names;
using Mesh.Silo.Hosting;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Mesh.ControlPlane.Tests.Stats;

/// <summary>Drives Debian's chromium (headless, through Playwright) against the dashboard of a real silo-side host fed
/// through the real Telemetry gRPC: the services table lists the services, the topology shows the edges with their
/// mTLS state, pages render without a single console error. Screenshots go to artifacts/dashboard/.
/// Two silo shapes: with the control plane's describe and identity APIs (stand-ins here, same JSON shape) and without.</summary>
[Trait("Category", "E2E")]
public sealed class DashboardBrowserTests(ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";
    private const string Ns = "bookstore";
    private const string SecretMarker = "NOT-FOR-THE-PAGE";

    [Fact]
    public async Task Dashboard_FedThroughTelemetry_ShowsServicesEdgesDescribeAndIdentitiesWithoutConsoleErrors()
    {
        if (ChromiumMissing()) return;
        await using var host = new StatsHostFixture { MapMore = MapControlPlaneStandIns };
        await host.InitializeAsync();
        await using var feeder = await TrafficFeeder.StartAsync(_ => host.Channel);
        await Browse(host.AdminAddress, async page =>
        {
            await Overview(page, "overview");

            await page.Locator($"#services-table a[href='#/services/{Ns}/books']").ClickAsync();
            await page.Locator("#latency-chart path.series.p99").WaitForAsync(new() { Timeout = 30_000 });
            await page.GetByText("version 5").WaitForAsync();  // endpoints from the describe API
            var main = await page.Locator("main").InnerTextAsync();
            Assert.Contains("books-v2", main);
            Assert.Contains("Prefix /books", main);
            Assert.Contains("127.0.0.1", main);
            await Screenshot(page, "service-books");

            await page.Locator("a[data-nav='topology']").ClickAsync();
            await page.GetByText("Client identity").WaitForAsync();
            await Screenshot(page, "topology");

            await page.Locator("a[data-nav='proxies']").ClickAsync();
            await page.Locator("tr[data-proxy='books-v1-proxy']").WaitForAsync();
            await Screenshot(page, "proxies");

            await page.Locator("a[data-nav='identities']").ClickAsync();
            await page.GetByText("spiffe://cluster.local/ns/bookstore/sa/authors").WaitForAsync();
            await page.GetByText("CN=mesh issuer cluster.local").WaitForAsync();
            Assert.DoesNotContain(SecretMarker, await page.ContentAsync());
            await Screenshot(page, "identities");
        });
    }

    [Fact]
    public async Task Dashboard_WithoutOptionalApis_FriendlyEmptyStatesWithoutConsoleErrors()
    {
        if (ChromiumMissing()) return;
        await using var host = new StatsHostFixture();
        await host.InitializeAsync();
        await using var feeder = await TrafficFeeder.StartAsync(_ => host.Channel);
        await Browse(host.AdminAddress, async page =>
        {
            await Overview(page, null);
            await page.Locator($"#services-table a[href='#/services/{Ns}/authors']").ClickAsync();
            await page.Locator("#latency-chart").WaitForAsync(new() { Timeout = 30_000 });
            await page.Locator("a[data-nav='identities']").ClickAsync();
            await page.GetByText("No identity information yet").WaitForAsync();
            await page.Locator("a[data-nav='overview']").ClickAsync();
            await page.Locator($"#services-table tr[data-service='{Ns}/web']").WaitForAsync();
        }, after: async page =>
        {
            // The silo goes away: the page says so and keeps showing its last data instead of breaking.
            await host.StopWebAsync();
            await page.Locator("#error-banner").WaitForAsync(new() { Timeout = 15_000 });
            Assert.Contains("unreachable", await page.Locator("#status").InnerTextAsync());
            Assert.Equal(3, await page.Locator("#services-table tbody tr").CountAsync());
            await Screenshot(page, "silo-unreachable", waitForIdle: false);
        });
    }

    /// <summary>The real silo (SiloHost with every module, port-0 listeners, temp data dir): the bookstore applied through
    /// the admin API, traffic reported on the control listener, the dashboard read on the admin listener.</summary>
    [Fact]
    public async Task Dashboard_RealSilo_ShowsAppliedBookstoreWithLiveTraffic()
    {
        if (ChromiumMissing()) return;
        var dataDir = Directory.CreateTempSubdirectory("mesh-dashboard-silo-");
        try
        {
            var settings = SiloSettingsLoader.Load(
                ["--admin", "127.0.0.1:0", "--control", "127.0.0.1:0", "--data-dir", dataDir.FullName], new Hashtable());
            await using var silo = await SiloHost.StartAsync(settings);
            using (var admin = new HttpClient { BaseAddress = silo.AdminUri, Timeout = TimeSpan.FromSeconds(30) })
            {
                admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
                    (await File.ReadAllTextAsync(Path.Combine(dataDir.FullName, "admin-token"))).Trim());
                using var applied = await admin.PostAsync($"/api/v1/apply?namespace={Ns}", new StringContent(BookstoreYaml));
                Assert.True(applied.IsSuccessStatusCode, await applied.Content.ReadAsStringAsync());
            }
            // Each proxy reports with its own workload certificate: the silo attributes reports to it.
            var channels = new[] { "web", "books", "authors" }.ToDictionary(sa => sa, sa => Support.ControlChannel.As(silo, Ns, sa));
            await using var feeder = await TrafficFeeder.StartAsync(sa => channels[sa]);

            await Browse(silo.AdminUri, async page =>
            {
                await Overview(page, "real-silo-overview");
                await page.Locator($"#services-table a[href='#/services/{Ns}/books']").ClickAsync();
                await page.Locator("#latency-chart path.series.p50").WaitForAsync(new() { Timeout = 30_000 });
                await page.GetByText("books-split").First.WaitForAsync();   // the HTTPRoute, from the describe API
                var main = await page.Locator("main").InnerTextAsync();
                Assert.Contains("books-1", main);                            // an endpoint, from the describe API
                Assert.Contains("127.0.0.12", main);
                await Screenshot(page, "real-silo-service-books");
                await page.Locator("a[data-nav='identities']").ClickAsync();
                await page.GetByText("trust anchor", new() { Exact = true }).WaitForAsync();   // the real silo's CA, from /api/v1/identities
            });
        }
        finally
        {
            dataDir.Delete(recursive: true);
        }
    }

    private const string BookstoreYaml = """
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec: {selector: {app: web}, ports: [{name: http, port: 8080, targetPort: 7000}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: books}
        spec: {selector: {app: books}, ports: [{name: http, port: 8080, targetPort: 7001}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: books-v1}
        spec: {selector: {app: books, version: v1}, ports: [{name: http, port: 8080, targetPort: 7001}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: books-v2}
        spec: {selector: {app: books, version: v2}, ports: [{name: http, port: 8080, targetPort: 7001}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: authors}
        spec: {selector: {app: authors}, ports: [{name: http, port: 8080, targetPort: 7002}]}
        ---
        apiVersion: mesh.io/v1alpha1
        kind: Workload
        metadata: {name: web-1, labels: {app: web}}
        spec: {addresses: [127.0.0.10], ports: [{name: http, port: 7000}]}
        ---
        apiVersion: mesh.io/v1alpha1
        kind: Workload
        metadata: {name: books-1, labels: {app: books, version: v1}}
        spec: {addresses: [127.0.0.11], ports: [{name: http, port: 7001}]}
        ---
        apiVersion: mesh.io/v1alpha1
        kind: Workload
        metadata: {name: books-2, labels: {app: books, version: v2}}
        spec: {addresses: [127.0.0.12], ports: [{name: http, port: 7001}]}
        ---
        apiVersion: mesh.io/v1alpha1
        kind: Workload
        metadata: {name: authors-1, labels: {app: authors}}
        spec: {addresses: [127.0.0.13], ports: [{name: http, port: 7002}]}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: books-split}
        spec:
          parentRefs: [{group: "", kind: Service, name: books, port: 8080}]
          rules:
            - matches: [{path: {type: PathPrefix, value: /books}}]
              backendRefs: [{name: books-v1, port: 8080, weight: 90}, {name: books-v2, port: 8080, weight: 10}]
        """;

    private bool ChromiumMissing()
    {
        if (File.Exists(Chromium)) return false;
        output.WriteLine($"SKIPPED: {Chromium} is not installed (scripts/setup.sh installs Debian's chromium)");
        return true;
    }

    private async Task Overview(IPage page, string? screenshot)
    {
        foreach (var service in new[] { "web", "books", "authors" })
            await page.Locator($"#services-table tr[data-service='{Ns}/{service}']").WaitForAsync(new() { Timeout = 30_000 });
        Assert.Equal(3, await page.Locator("#services-table tbody tr").CountAsync());
        Assert.Contains("meshed", await page.Locator($"tr[data-service='{Ns}/books']").InnerTextAsync());

        await page.Locator($"#topology g.edge.mtls[data-src='{Ns}/web'][data-dst='{Ns}/books']").WaitForAsync();
        await page.Locator($"#topology g.edge.mtls[data-src='{Ns}/books'][data-dst='{Ns}/authors']").WaitForAsync();
        await page.Locator($"#topology g.edge.plain[data-src='unmeshed clients'][data-dst='{Ns}/web']").WaitForAsync();
        Assert.Equal(3, await page.Locator("#topology g.edge").CountAsync());
        // Survives auto-refreshes (every 2 s): wait until the status shows a later update than the first one.
        var first = await page.Locator("#status").InnerTextAsync();
        await page.WaitForFunctionAsync("t => document.getElementById('status').textContent !== t", first, new() { Timeout = 15_000 });
        Assert.StartsWith("live", await page.Locator("#status").InnerTextAsync());
        if (screenshot is not null) await Screenshot(page, screenshot);
    }

    /// <summary>Opens the dashboard in a fresh headless chromium profile, runs the steps, and fails on any console
    /// error or warning, uncaught page error, or failed request.
    /// <paramref name="after"/> runs once those checks passed (for steps that cause errors on purpose).</summary>
    private static async Task Browse(Uri dashboard, Func<IPage, Task> steps, Func<IPage, Task>? after = null)
    {
        using var playwright = await Playwright.CreateAsync();
        var profile = Directory.CreateTempSubdirectory("mesh-chromium-");
        try
        {
            await using var browser = await playwright.Chromium.LaunchPersistentContextAsync(profile.FullName, new()
            {
                ExecutablePath = Chromium,
                Headless = true,
                Args =
                [
                    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                ],
                ViewportSize = new() { Width = 1360, Height = 1000 },
            });
            var page = browser.Pages.Count > 0 ? browser.Pages[0] : await browser.NewPageAsync();
            var problems = new List<string>();
            page.Console += (_, m) => { if (m.Type is "error" or "warning") problems.Add($"console {m.Type}: {m.Text}"); };
            page.PageError += (_, e) => problems.Add($"page error: {e}");
            page.RequestFailed += (_, r) => problems.Add($"request failed: {r.Url} {r.Failure}");

            await page.GotoAsync(dashboard.ToString());
            await steps(page);
            Assert.Empty(problems);
            if (after is not null) await after(page);
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    private async Task Screenshot(IPage page, string name, bool waitForIdle = true)
    {
        if (waitForIdle) await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        var dir = Path.Combine(RepoRoot(), "artifacts", "dashboard");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, $"{name}.png");
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        output.WriteLine($"screenshot: {path}");
    }

    private static string RepoRoot()
    {
        if (Environment.GetEnvironmentVariable("MESH_REPO_ROOT") is { Length: > 0 } root) return root;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Mesh.sln"))) return dir.FullName;
        return AppContext.BaseDirectory;
    }

    /// <summary>Feeds live bookstore traffic through the Telemetry gRPC, one report per proxy per second (bounded: at
    /// most 5 minutes), as running proxies do. The first interval is sent before StartAsync returns.</summary>
    private sealed class TrafficFeeder : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private Task _traffic = Task.CompletedTask;

        /// <param name="channelFor">The control channel a proxy of this service account reports on.</param>
        public static async Task<TrafficFeeder> StartAsync(Func<string, GrpcChannel> channelFor)
        {
            var feeder = new TrafficFeeder();
            var client = channelFor;
            var random = new Random(20260101);
            var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1_000;
            await SendInterval(client, random, start);
            feeder._traffic = Task.Run(async () =>
            {
                for (var i = 1; i < 300 && !feeder._stop.IsCancellationRequested; i++)
                {
                    try { await Task.Delay(1000, feeder._stop.Token); } catch (OperationCanceledException) { return; }
                    // Like a proxy: an unreachable silo loses this interval, the next one is tried again.
                    try { await SendInterval(client, random, start + i * 1000); }
                    catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable) { }
                }
            });
            return feeder;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _traffic;
            _stop.Dispose();
        }
    }

    /// <summary>Stand-ins for the control plane's describe and identity APIs, in their JSON shape (the real ones live in
    /// other parts of the silo); the identity rows carry a secret-looking field the page must not show.</summary>
    private static void MapControlPlaneStandIns(WebApplication app)
    {
        app.MapGet("/api/v1/services/{ns}/{name}", (string ns, string name) =>
        {
            var endpoints = ImmutableArray.Create(
                Endpoint(name, "v1", 18081), Endpoint(name, "v2", 18082));
            var route = new RouteView($"{ns}/{name}-split/rule-0", RouteKindView.Http, 0,
                [new RouteMatchView(new StringMatchView(MatchKind.Prefix, $"/{name}"), [], [], "GET", null, null)], [],
                [new BackendView(ns, $"{name}-v1", 8080, 90, []), new BackendView(ns, $"{name}-v2", 8080, 10, [])], null, null);
            var profile = ProfileView.Default(ns, name) with
            {
                Routes = [route],
                Retry = new RetryView(["5xx"], 2, TimeSpan.FromMilliseconds(500)),
            };
            return Results.Ok(new
            {
                resource = $"{ns}/{name}",
                service = new Versioned<ServiceView?>(3, new ServiceView(ns, name,
                    [new ServicePortView("http", 8080, "http", "http", false)],
                    ImmutableDictionary<string, string>.Empty.Add("app", name),
                    ImmutableDictionary<string, string>.Empty, ImmutableDictionary<string, string>.Empty)),
                endpoints = new Versioned<EndpointSetView>(5, new EndpointSetView(ns, name, endpoints)),
                profile = new Versioned<ProfileView>(2, profile),
            });

            WorkloadEndpoint Endpoint(string service, string version, int port) => new(
                $"{service}-{version}", "127.0.0.1", ImmutableDictionary<string, int>.Empty.Add("http", port),
                Reports.Spiffe(ns, service), 4143, 4191, null, 1, true, ImmutableDictionary<string, string>.Empty);
        });
        // The shape of Silo/Identity/IdentityEndpoints.cs, plus a secret-looking field the page must not show.
        app.MapGet("/api/v1/identities", () => Results.Ok(new
        {
            trustDomain = "cluster.local",
            anchors = new[] { new { subject = "CN=mesh trust anchor cluster.local", serial = "01", notAfter = DateTimeOffset.UtcNow.AddYears(10), daysLeft = 3650 } },
            issuer = new { subject = "CN=mesh issuer cluster.local", serial = "02", notAfter = DateTimeOffset.UtcNow.AddYears(1), daysLeft = 365 },
            certificates = new[] { "web", "books", "authors" }.Select(sa => new
            {
                identity = Reports.Spiffe(Ns, sa),
                serial = "0A",
                notAfter = DateTimeOffset.UtcNow.AddHours(24),
                hoursLeft = 24,
                privateKey = SecretMarker,
            }),
        }));
    }

    /// <summary>One second of the bookstore: a load generator without a proxy → web → books (v1 90 %, v2 10 %) → authors,
    /// where authors fails ~5 % of requests.</summary>
    private static async Task SendInterval(Func<string, GrpcChannel> channelFor, Random random, long intervalStart)
    {
        const int rps = 20;
        var v2 = random.Next(1, 4);
        var failures = (ulong)random.Next(0, 3);
        var sets = new[]
        {
            Report("web", intervalStart, ["bookstore/web"],
                Traffic("inbound", "web", rps, 0, random, 8, 40, tls: false, path: "/"),
                Traffic("outbound", "books", rps, failures, random, 4, 30, route: "bookstore/books-split/rule-0", backend: "books-v1", path: "/books", count: rps - v2),
                Traffic("outbound", "books", rps, 0, random, 4, 30, route: "bookstore/books-split/rule-0", backend: "books-v2", path: "/books", count: v2)),
            Report("books-v1", intervalStart, ["bookstore/books"],
                Traffic("inbound", "books", rps - v2, failures, random, 3, 25, source: "web", path: "/books"),
                Traffic("outbound", "authors", rps - v2, failures, random, 1, 8, path: "/authors")),
            Report("books-v2", intervalStart, ["bookstore/books"],
                Traffic("inbound", "books", v2, 0, random, 3, 25, source: "web", path: "/books"),
                Traffic("outbound", "authors", v2, 0, random, 1, 8, path: "/authors")),
            Report("authors", intervalStart, ["bookstore/authors"],
                Traffic("inbound", "authors", rps, failures, random, 0.5, 6, source: "books", path: "/authors")),
        };
        foreach (var report in sets)
            await new Telemetry.TelemetryClient(channelFor(report.Workload.Split('-')[0])).ReportAsync(report);
    }

    private static StatsReport Report(string workload, long intervalStart, string[] services, params TrafficStats[] traffic)
    {
        var sa = workload.Split('-')[0];
        var report = new StatsReport
        {
            ProxyId = $"{workload}-proxy", Namespace = Ns, Workload = workload, Identity = Reports.Spiffe(Ns, sa),
            IntervalStartUnixMs = intervalStart, IntervalMs = 1000, Version = "0.1.0", DiscoveryConnected = true,
            CertNotAfterUnixMs = DateTimeOffset.UtcNow.AddHours(24).ToUnixTimeMilliseconds(),
            ProxyClockUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        };
        report.Services.AddRange(services);
        report.Traffic.AddRange(traffic);
        return report;
    }

    private static TrafficStats Traffic(string direction, string service, int requests, ulong failures, Random random,
        double minMs, double maxMs, bool tls = true, string source = "", string route = "", string backend = "", string path = "",
        int? count = null)
    {
        var n = count ?? requests;
        var fails = Math.Min(failures, (ulong)n);
        var t = new TrafficStats
        {
            Direction = direction, Authority = $"{service}.{Ns}.svc.cluster.local:8080", Tls = tls,
            SourceIdentity = source.Length > 0 ? Reports.Spiffe(Ns, source) : "",
            DestinationIdentity = direction == "outbound" ? Reports.Spiffe(Ns, service) : "",
            Requests = (ulong)n, Successes = (ulong)n - fails, Failures = fails, Route = route, Backend = backend, Path = path,
            TcpOpened = 0, TcpOpen = 2,
        };
        var counts = new ulong[LatencyBuckets.Count];
        for (var i = 0; i < n; i++)
        {
            // Mostly near the low end, with a tail reaching past the high end.
            var u = random.NextDouble();
            var ms = minMs + (maxMs - minMs) * u * u * (random.NextDouble() < 0.02 ? 6 : 1);
            counts[LatencyBuckets.IndexOf(ms)]++;
        }
        t.LatencyBuckets.AddRange(counts);
        return t;
    }
}
