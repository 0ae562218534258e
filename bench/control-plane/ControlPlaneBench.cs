using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Api.V1;

namespace Mesh.Bench.ControlPlane;

/// <summary>Starts one mesh-silo process, then for each watcher count opens that many real Watch streams, applies a
/// change through the admin API and times until every watcher has it; reports p50/p99 and silo RSS per watcher.</summary>
internal static class ControlPlaneBench
{
    private const string Usage = "usage: mesh-bench-control-plane [--watchers 1,100,1000] [--rounds 30]";

    public static async Task<int> RunAsync(string[] args)
    {
        var counts = new[] { 1, 100, 1000 };
        var rounds = 30;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--watchers" when i + 1 < args.Length: counts = args[++i].Split(',').Select(int.Parse).ToArray(); break;
                case "--rounds" when i + 1 < args.Length: rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine(Usage); return 1;
            }
        }

        await using var silo = await SiloUnderTest.StartAsync();
        using var admin = new HttpClient { BaseAddress = silo.Admin, Timeout = TimeSpan.FromSeconds(30) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", silo.Token);
        // As proxies connect: mesh TLS to the silo's identity, checked against the anchors it published.
        var (controlAddress, handler) = Mesh.Identity.Client.ControlPlaneConnection.Create(silo.Control,
            Mesh.Identity.Client.ControlPlaneConnection.LoadTrust(silo.TrustAnchorsPath));
        using var channel = GrpcChannel.ForAddress(controlAddress, new GrpcChannelOptions { HttpHandler = handler });
        var client = new Discovery.DiscoveryClient(channel);

        var rows = new List<string>();
        var serial = 0;
        // A first unreported pass with 10 watchers warms up JIT and pools on both sides.
        foreach (var (n, report) in new[] { (10, false) }.Concat(counts.Select(c => (c, true))))
        {
            // Each size watches its own service with two endpoints, so snapshot sizes are equal across sizes.
            var service = report ? $"books-{n}" : "books-warmup";
            await ApplyAsync(admin, string.Join("\n---\n", Yaml.Service(service),
                Yaml.Workload($"{service}-a", "127.0.1.1", service), Yaml.Workload($"{service}-b", "127.0.1.2", service)));
            await Task.Delay(1000);
            var rssBefore = await silo.SettledRssAsync();
            var watchers = Enumerable.Range(0, n).Select(_ => new Watcher(client, $"{service}.default.svc.cluster.local:8080")).ToList();
            await WaitAllAsync(watchers, w => w.HasSnapshot, TimeSpan.FromSeconds(60), "snapshots");
            await Task.Delay(2000);
            var rssAfter = await silo.SettledRssAsync();

            var perWatcher = new List<double>();
            var allWatchers = new List<double>();
            for (var r = 0; r < rounds; r++)
            {
                var address = $"127.0.{2 + serial / 250}.{serial % 250}";
                var key = $"{address}:7001";
                var workload = Yaml.Workload($"{service}-{r}", address, service);
                serial++;
                var start = Stopwatch.GetTimestamp();
                await ApplyAsync(admin, workload);
                await WaitAllAsync(watchers, w => w.Seen(key).HasValue, TimeSpan.FromSeconds(30), key);
                var times = watchers.Select(w => Stopwatch.GetElapsedTime(start, w.Seen(key)!.Value).TotalMilliseconds).ToList();
                perWatcher.AddRange(times);
                allWatchers.Add(times.Max());
            }
            foreach (var w in watchers) w.Dispose();
            var kib = (rssAfter - rssBefore) / 1024.0 / n;
            if (report) rows.Add($"| {n,5} | {Percentile(perWatcher, 50),7:0.0} | {Percentile(perWatcher, 99),7:0.0} | {Percentile(allWatchers, 50),7:0.0} | {Percentile(allWatchers, 99),7:0.0} | {kib,8:0.0} |");
            Console.Error.WriteLine($"bench: {n} watchers done{(report ? "" : " (warm-up)")}");
            await Task.Delay(1000); // watchers' streams close before the next size
        }

        Console.WriteLine($"rounds per size: {rounds}; silo: {silo.Description}");
        Console.WriteLine("| watchers | p50 ms (each watcher) | p99 ms (each watcher) | p50 ms (all watchers) | p99 ms (all watchers) | silo RSS KiB / watcher |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows) Console.WriteLine(row);
        return 0;
    }

    private static async Task ApplyAsync(HttpClient admin, string yaml)
    {
        var response = await admin.PostAsync("/api/v1/apply", new StringContent(yaml));
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"apply failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task WaitAllAsync(List<Watcher> watchers, Func<Watcher, bool> done, TimeSpan timeout, string what)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!watchers.All(done))
        {
            if (watchers.FirstOrDefault(w => w.Error is not null) is { } failed) throw new InvalidOperationException($"a watcher failed: {failed.Error}");
            if (Stopwatch.GetTimestamp() > deadline) throw new TimeoutException($"{watchers.Count(w => !done(w))} watchers never saw {what}");
            await Task.Delay(1);
        }
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        var index = (int)Math.Ceiling(p / 100.0 * sorted.Count) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Count - 1)];
    }

    /// <summary>One watch stream; records when each endpoint key first arrived.</summary>
    private sealed class Watcher : IDisposable
    {
        private readonly CancellationTokenSource _cts = new();
        private readonly Dictionary<string, long> _seen = [];
        private volatile bool _snapshot;

        public Watcher(Discovery.DiscoveryClient client, string authority)
        {
            var call = client.Watch(new WatchRequest { Authority = authority, ProxyId = "bench" }, cancellationToken: _cts.Token);
            _ = Task.Run(async () =>
            {
                try
                {
                    await foreach (var u in call.ResponseStream.ReadAllAsync(_cts.Token))
                    {
                        var now = Stopwatch.GetTimestamp();
                        var endpoints = u.KindCase switch
                        {
                            ServiceUpdate.KindOneofCase.Snapshot => u.Snapshot.Endpoints,
                            ServiceUpdate.KindOneofCase.Upserted => u.Upserted.Endpoints,
                            _ => null,
                        };
                        lock (_seen)
                            if (endpoints is not null)
                                foreach (var e in endpoints) _seen.TryAdd(e.Key, now);
                        if (u.KindCase == ServiceUpdate.KindOneofCase.Snapshot) _snapshot = true;
                    }
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled) { }
                catch (Exception e) when (!_cts.IsCancellationRequested) { Error = e; }
                finally { call.Dispose(); }
            });
        }

        public bool HasSnapshot => _snapshot;
        public Exception? Error { get; private set; }

        public long? Seen(string key)
        {
            lock (_seen) return _seen.TryGetValue(key, out var t) ? t : null;
        }

        public void Dispose() => _cts.Cancel();
    }
}
