using Mesh.Abstractions.Stats;
using Mesh.Api.V1;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Mesh.ControlPlane.Tests.Stats;

/// <summary>Drives Debian's chromium (headless, through Playwright) against the dashboard of a real silo-side host fed
/// through the real Telemetry gRPC: the services table lists the services, the topology shows the edges with their
/// mTLS state, pages render without a single console error. Screenshots go to artifacts/dashboard/.</summary>
[Trait("Category", "E2E")]
public sealed class DashboardBrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private const string Ns = "bookstore";

    private readonly StatsHostFixture _host = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _traffic = Task.CompletedTask;

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        var client = new Telemetry.TelemetryClient(_host.Channel);
        var random = new Random(20260101);
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 5_000;
        for (var i = 0; i < 5; i++) await SendInterval(client, random, start + i * 1000);
        // Keep the proxies "reporting" while the browser looks, as live ones do; bounded in count and time.
        _traffic = Task.Run(async () =>
        {
            for (var i = 5; i < 300 && !_stop.IsCancellationRequested; i++)
            {
                await SendInterval(client, random, start + i * 1000);
                try { await Task.Delay(1000, _stop.Token); } catch (OperationCanceledException) { return; }
            }
        });
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _traffic;
        await _host.DisposeAsync();
        _stop.Dispose();
    }

    [Fact]
    public async Task Dashboard_FedThroughTelemetry_ShowsServicesAndEdgesWithoutConsoleErrors()
    {
        if (!File.Exists(Chromium))
        {
            output.WriteLine($"SKIPPED: {Chromium} is not installed (scripts/setup.sh installs Debian's chromium)");
            return;
        }

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

            await page.GotoAsync(_host.AdminAddress.ToString());
            foreach (var service in new[] { "web", "books", "authors" })
                await page.Locator($"#services-table tr[data-service='{Ns}/{service}']").WaitForAsync(new() { Timeout = 30_000 });
            Assert.Equal(3, await page.Locator("#services-table tbody tr").CountAsync());
            Assert.Contains("meshed", await page.Locator($"tr[data-service='{Ns}/books']").InnerTextAsync());

            await page.Locator($"#topology g.edge.mtls[data-src='{Ns}/web'][data-dst='{Ns}/books']").WaitForAsync();
            await page.Locator($"#topology g.edge.mtls[data-src='{Ns}/books'][data-dst='{Ns}/authors']").WaitForAsync();
            await page.Locator($"#topology g.edge.plain[data-src='unmeshed clients'][data-dst='{Ns}/web']").WaitForAsync();
            Assert.Equal(3, await page.Locator("#topology g.edge").CountAsync());
            // Survives an auto-refresh (every 2 s) and still shows live numbers.
            await page.WaitForFunctionAsync("() => document.getElementById('status').textContent.startsWith('live')");
            await Screenshot(page, "overview");

            await page.Locator($"#services-table a[href='#/services/{Ns}/books']").ClickAsync();
            await page.Locator("#latency-chart path.series.p99").WaitForAsync(new() { Timeout = 30_000 });
            Assert.Contains("books-v2", await page.Locator("main").InnerTextAsync());
            await Screenshot(page, "service-books");

            await page.Locator("a[data-nav='topology']").ClickAsync();
            await page.GetByText("Client identity").WaitForAsync();
            await Screenshot(page, "topology");

            await page.Locator("a[data-nav='proxies']").ClickAsync();
            await page.Locator($"tr[data-proxy='books-v1-proxy']").WaitForAsync();
            await Screenshot(page, "proxies");

            await page.Locator("a[data-nav='identities']").ClickAsync();
            await page.GetByText("No identity information yet").WaitForAsync();

            Assert.Empty(problems);
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    private async Task Screenshot(IPage page, string name)
    {
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

    /// <summary>One second of the bookstore: a load generator without a proxy → web → books (v1 90 %, v2 10 %) → authors,
    /// where authors fails ~5 % of requests.</summary>
    private static async Task SendInterval(Telemetry.TelemetryClient client, Random random, long intervalStart)
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
        foreach (var report in sets) await client.ReportAsync(report);
    }

    private static StatsReport Report(string workload, long intervalStart, string[] services, params TrafficStats[] traffic)
    {
        var sa = workload.Split('-')[0];
        var report = new StatsReport
        {
            ProxyId = $"{workload}-proxy", Namespace = Ns, Workload = workload, Identity = Reports.Identity(Ns, sa),
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
            SourceIdentity = source.Length > 0 ? Reports.Identity(Ns, source) : "",
            DestinationIdentity = direction == "outbound" ? Reports.Identity(Ns, service) : "",
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
