using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Mesh.Bench.Multicluster;

/// <summary>The data path of a gateway-mode mirror vs a local mesh call, with real mesh-proxy processes: a client
/// sidecar on east (its outbound listener is the app's HTTP proxy, as `mesh run` sets HTTP_PROXY) calls
/// <list type="bullet">
/// <item>remote: hop-west (west's exported Service hop): east sidecar → mTLS → west's gateway → mTLS → hop's sidecar on west → app;</item>
/// <item>local: hop-local on east: east sidecar → mTLS → hop-local's sidecar → app;</item>
/// <item>direct: the same app with no proxy at all (what one mesh hop adds is local − direct).</item>
/// </list>
/// Both apps are <see cref="HttpApp"/>s in this process. The paths alternate (forward, then reverse order, pass after
/// pass) in two bounded loads: closed (C requests in flight, back to back: throughput) and paced (R req/s sent on a
/// clock whatever the answers do, so a stall of the path does not slow the sending; latency from each send).</summary>
internal static class HopBench
{
    public sealed record Options(int Seconds, int Passes, int Concurrency, int Rate);

    public static readonly string[] Paths = ["direct", "local", "remote"];

    public sealed class PathSamples
    {
        private readonly List<double> _closed = [], _paced = [];
        public double ClosedSeconds { get; set; }
        public long Errors { get; set; }
        public long Late { get; set; }

        public void Add(bool closed, double ms)
        {
            lock (this) (closed ? _closed : _paced).Add(ms);
        }

        public double Rps => _closed.Count / ClosedSeconds;
        public double Closed(double p) => Percentile(_closed, p);
        public double Paced(double p) => Percentile(_paced, p);
        public int PacedCount => _paced.Count;
    }

    public static async Task<Dictionary<string, PathSamples>> RunAsync(SiloProcess west, SiloProcess east, HttpClient westAdmin, HttpClient eastAdmin,
        int gatewayPort, Options options, Func<Func<Task<bool>>, string, Task> until)
    {
        var stack = new List<IAsyncDisposable>();
        try
        {
            var westApp = Push(stack, new HttpApp());
            var eastApp = Push(stack, new HttpApp());
            // West: the exported Service hop, its Workload (127.0.0.1, behind its sidecar) and the gateway.
            var westSidecar = Ports();
            await ApplyAsync(westAdmin, Objects.Service(Objects.HopService, "mirror.mesh.io/exported: \"true\"") + "\n---\n"
                + Objects.MeshedWorkload(Objects.HopService, westApp.Port, westSidecar.Inbound, westSidecar.Admin));
            Push(stack, await SidecarAsync(west, westAdmin, Objects.HopService, westApp.Port, westSidecar, Objects.WestDomain));
            Push(stack, await GatewayAsync(west, westAdmin, gatewayPort));
            // East: hop-local the same way, and the caller's sidecar (outbound only: no Service selects it).
            var localSidecar = Ports();
            await ApplyAsync(eastAdmin, Objects.Service(Objects.HopLocal, "tier: local") + "\n---\n"
                + Objects.MeshedWorkload(Objects.HopLocal, eastApp.Port, localSidecar.Inbound, localSidecar.Admin));
            Push(stack, await SidecarAsync(east, eastAdmin, Objects.HopLocal, eastApp.Port, localSidecar, Objects.EastDomain));
            var client = Ports();
            Push(stack, await SidecarAsync(east, eastAdmin, Objects.HopClient, 0, client, Objects.EastDomain));

            var proxy = new WebProxy($"http://127.0.0.1:{client.Outbound}");
            var targets = new Dictionary<string, (HttpClient Client, Uri Uri)>
            {
                ["direct"] = (Client(null, options.Concurrency), new Uri($"http://127.0.0.1:{eastApp.Port}/")),
                ["local"] = (Client(proxy, options.Concurrency), new Uri($"http://{Objects.HopLocal}.{Objects.Namespace}.svc.cluster.local:8080/")),
                ["remote"] = (Client(proxy, options.Concurrency), new Uri($"http://{Objects.HopService}-west.{Objects.Namespace}.svc.cluster.local:8080/")),
            };
            foreach (var (name, (http, uri)) in targets)
                await until(async () => await OkAsync(http, uri), $"{name} ({uri}) answers 200");

            var results = Paths.ToDictionary(p => p, _ => new PathSamples());
            foreach (var (http, uri) in targets.Values) await ClosedAsync(http, uri, options.Concurrency, TimeSpan.FromSeconds(1), null); // warm-up
            for (var pass = 0; pass < options.Passes; pass++)
            {
                var order = pass % 2 == 0 ? Paths : [.. Paths.Reverse()];
                foreach (var path in order)
                {
                    var (http, uri) = targets[path];
                    results[path].ClosedSeconds += await ClosedAsync(http, uri, options.Concurrency, TimeSpan.FromSeconds(options.Seconds), results[path]);
                    await PacedAsync(http, uri, options.Rate, TimeSpan.FromSeconds(options.Seconds), results[path]);
                }
                Console.Error.WriteLine($"bench: hop pass {pass + 1}/{options.Passes} done");
            }
            foreach (var (http, _) in targets.Values) http.Dispose();
            await CleanUpAsync(westAdmin, eastAdmin);
            return results;
        }
        finally
        {
            for (var i = stack.Count - 1; i >= 0; i--) await stack[i].DisposeAsync();
        }
    }

    private static T Push<T>(List<IAsyncDisposable> stack, T item) where T : IAsyncDisposable
    {
        stack.Add(item);
        return item;
    }

    private sealed record SidecarPorts(int Inbound, int Outbound, int Admin);

    private static SidecarPorts Ports() => new(MulticlusterBench.FreePort(), MulticlusterBench.FreePort(), MulticlusterBench.FreePort());

    private static HttpClient Client(IWebProxy? proxy, int connections) => new(new SocketsHttpHandler
    {
        Proxy = proxy, UseProxy = proxy is not null, MaxConnectionsPerServer = connections,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10), PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
    }) { Timeout = TimeSpan.FromSeconds(10) };

    private static async Task<bool> OkAsync(HttpClient http, Uri uri)
    {
        try
        {
            using var response = await http.GetAsync(uri);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return false; }
    }

    /// <summary>C loops sending back to back for <paramref name="duration"/>; answers the seconds it ran.</summary>
    private static async Task<double> ClosedAsync(HttpClient http, Uri uri, int concurrency, TimeSpan duration, PathSamples? samples)
    {
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < end)
            {
                var t0 = Stopwatch.GetTimestamp();
                var ok = await OkAsync(http, uri);
                if (samples is null) continue;
                if (ok) samples.Add(closed: true, Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                else lock (samples) samples.Errors++;
            }
        })));
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>One request every 1/<paramref name="rate"/> s for <paramref name="duration"/>, not waiting for answers;
    /// at most 64 in flight (a request due while 64 are pending is counted late and not sent).</summary>
    private static async Task PacedAsync(HttpClient http, Uri uri, int rate, TimeSpan duration, PathSamples samples)
    {
        var start = Stopwatch.GetTimestamp();
        var count = (int)(rate * duration.TotalSeconds);
        var inFlight = new List<Task>(count);
        var pending = 0;
        for (var i = 0; i < count; i++)
        {
            var due = start + (long)(i * (double)Stopwatch.Frequency / rate);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            if (Volatile.Read(ref pending) >= 64)
            {
                lock (samples) samples.Late++;
                continue;
            }
            Interlocked.Increment(ref pending);
            inFlight.Add(Task.Run(async () =>
            {
                var sent = Stopwatch.GetTimestamp();
                var ok = await OkAsync(http, uri);
                Interlocked.Decrement(ref pending);
                if (ok) samples.Add(closed: false, Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                else lock (samples) samples.Errors++;
            }));
        }
        await Task.WhenAll(inFlight);
    }

    private static async Task<string> TokenAsync(HttpClient admin, string ns, string serviceAccount)
    {
        using var response = await admin.PostAsJsonAsync("/api/v1/identity/tokens", new { @namespace = ns, serviceAccount });
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"token for {ns}/{serviceAccount}: {(int)response.StatusCode} {body}");
        return (string?)JsonNode.Parse(body)?["token"] ?? throw new InvalidOperationException($"token for {ns}/{serviceAccount}: no token in {body}");
    }

    /// <summary>A sidecar as `mesh run` starts one (same flags), for workload &lt;app&gt;-1 of service account &lt;app&gt;.</summary>
    private static async Task<ProxyProcess> SidecarAsync(SiloProcess silo, HttpClient admin, string app, int appPort, SidecarPorts ports, string trustDomain) =>
        await ProxyProcess.StartAsync($"{app} sidecar", await TokenAsync(admin, Objects.Namespace, app),
        [
            "--namespace", Objects.Namespace, "--workload", $"{app}-1", "--service-account", app,
            "--inbound-addr", $"127.0.0.1:{ports.Inbound}", "--outbound-addr", $"127.0.0.1:{ports.Outbound}", "--admin-addr", $"127.0.0.1:{ports.Admin}",
            "--app-addr", $"127.0.0.1:{(appPort == 0 ? MulticlusterBench.FreePort() : appPort)}",
            "--control-addr", silo.Control.ToString().TrimEnd('/'), "--trust-anchors", silo.TrustAnchorsPath,
            "--services", app, "--trust-domain", trustDomain,
        ]);

    /// <summary>West's gateway as `mesh demo --multicluster` starts it: certified as mesh/gateway, on the port west's
    /// silo advertises (and east's Link names).</summary>
    private static async Task<ProxyProcess> GatewayAsync(SiloProcess west, HttpClient admin, int port) =>
        await ProxyProcess.StartAsync("west gateway", await TokenAsync(admin, "mesh", "gateway"),
        [
            "gateway", "--namespace", "mesh", "--service-account", "gateway", "--workload", "gateway",
            "--inbound-addr", $"127.0.0.1:{port}", "--outbound-addr", $"127.0.0.1:{MulticlusterBench.FreePort()}",
            "--admin-addr", $"127.0.0.1:{MulticlusterBench.FreePort()}",
            "--control-addr", west.Control.ToString().TrimEnd('/'), "--trust-anchors", west.TrustAnchorsPath, "--trust-domain", Objects.WestDomain,
        ]);

    /// <summary>Deletes what this phase applied, so the propagation phase counts only its own mirrors.</summary>
    private static async Task CleanUpAsync(HttpClient westAdmin, HttpClient eastAdmin)
    {
        foreach (var (admin, plural, name) in new[]
                 {
                     (westAdmin, "services", Objects.HopService), (westAdmin, "workloads", $"{Objects.HopService}-1"),
                     (eastAdmin, "services", Objects.HopLocal), (eastAdmin, "workloads", $"{Objects.HopLocal}-1"),
                 })
            (await admin.DeleteAsync($"/api/v1/resources/{plural}/{Objects.Namespace}/{name}")).Dispose();
    }

    private static async Task ApplyAsync(HttpClient admin, string yaml)
    {
        using var response = await admin.PostAsync("/api/v1/apply", new StringContent(yaml, Encoding.UTF8, "application/yaml"));
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"apply failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    /// <summary>The markdown tables: per path, then the ratios and the hop costs.</summary>
    public static void Print(Dictionary<string, PathSamples> r, Options o)
    {
        static string F(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
        Console.WriteLine($"| path | hops | closed c={o.Concurrency}: req/s | closed p50 ms | closed p99 ms | paced {o.Rate} req/s: p50 ms | paced p99 ms | errors | late |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        var hops = new Dictionary<string, string>
        {
            ["direct"] = "client → app (no proxy)",
            ["local"] = "east sidecar → east sidecar → app",
            ["remote"] = "east sidecar → west gateway → west sidecar → app",
        };
        foreach (var p in Paths)
            Console.WriteLine($"| {p} | {hops[p]} | {r[p].Rps:0} | {F(r[p].Closed(50))} | {F(r[p].Closed(99))} | {F(r[p].Paced(50))} | {F(r[p].Paced(99))} | {r[p].Errors} | {r[p].Late} |");
        var (local, remote, direct) = (r["local"], r["remote"], r["direct"]);
        Console.WriteLine();
        Console.WriteLine("| remote / local | closed req/s | closed p50 | closed p99 | paced p50 | paced p99 |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        Console.WriteLine($"| ratio | {F(remote.Rps / local.Rps)}× | {F(remote.Closed(50) / local.Closed(50))}× | {F(remote.Closed(99) / local.Closed(99))}× | " +
            $"{F(remote.Paced(50) / local.Paced(50))}× | {F(remote.Paced(99) / local.Paced(99))}× |");
        // One local mesh hop = what the sidecar pair adds to the direct call; the gateway hop = what the remote path
        // adds to the local one (one more proxy, one more mTLS leg).
        var meshHop = local.Paced(50) - direct.Paced(50);
        var gatewayHop = remote.Paced(50) - local.Paced(50);
        var meshCost = 1000.0 / local.Rps - 1000.0 / direct.Rps;
        var gatewayCost = 1000.0 / remote.Rps - 1000.0 / local.Rps;
        Console.WriteLine();
        Console.WriteLine("| hop cost | one local mesh hop (local − direct) | gateway hop (remote − local) | gateway / mesh hop |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine($"| paced p50 latency added, ms | {F(meshHop)} | {F(gatewayHop)} | {F(gatewayHop / meshHop)}× |");
        Console.WriteLine($"| closed: ms per request added (1000/rps, c={o.Concurrency}) | {F(meshCost)} | {F(gatewayCost)} | {F(gatewayCost / meshCost)}× |");
    }
}
