using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Grpc.Net.Client;
using Mesh.Api.V1;
using Mesh.Identity.Ca;
using Mesh.Identity.Client;

namespace Mesh.Bench.Multicluster;

/// <summary>Two mesh-silo processes, clusters east and west (one trust anchor, an issuer and a trust domain each),
/// east linked to west, west exporting N Services in gateway mode. W discovery watchers on east follow the mirror
/// svc-0-west and W more east's own Service `local`. Per N: west's svc-0 loses / regains its only ready endpoint
/// (the mirror loses / regains the gateway endpoint) vs the same change to `local` on east, interleaved; east's RSS
/// per mirrored Service.</summary>
internal static class MulticlusterBench
{
    private const string Usage = "usage: mesh-bench-multicluster [--sizes 1,100,1000] [--watchers 100] [--rounds 20] " +
        "[--hop-seconds 5 (0: no gateway hop phase)] [--hop-passes 4] [--hop-concurrency 4] [--hop-rate 50]";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(180);

    public static async Task<int> RunAsync(string[] args)
    {
        int[] sizes = [1, 100, 1000];
        int watcherCount = 100, rounds = 20;
        var hop = new HopBench.Options(Seconds: 5, Passes: 4, Concurrency: 4, Rate: 50);
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--sizes" when i + 1 < args.Length: sizes = args[++i].Split(',').Select(Parse).ToArray(); break;
                case "--watchers" when i + 1 < args.Length: watcherCount = Parse(args[++i]); break;
                case "--rounds" when i + 1 < args.Length: rounds = Parse(args[++i]); break;
                case "--hop-seconds" when i + 1 < args.Length: hop = hop with { Seconds = Parse(args[++i]) }; break;
                case "--hop-passes" when i + 1 < args.Length: hop = hop with { Passes = Parse(args[++i]) }; break;
                case "--hop-concurrency" when i + 1 < args.Length: hop = hop with { Concurrency = Parse(args[++i]) }; break;
                case "--hop-rate" when i + 1 < args.Length: hop = hop with { Rate = Parse(args[++i]) }; break;
                default: Console.Error.WriteLine(Usage); return 1;
            }
        }
        if (sizes.Length == 0 || sizes.Any(n => n is < 1 or > 20_000) || !sizes.SequenceEqual(sizes.Order().Distinct())
            || watcherCount < 1 || rounds < 2 || rounds % 2 != 0 || hop.Seconds < 0 || hop.Passes < 1 || hop.Concurrency < 1 || hop.Rate < 1)
        {
            Console.Error.WriteLine(Usage + " (sizes ascending, 1–20000; rounds even: each pair removes and restores; hop values positive)");
            return 1;
        }

        var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        var dir = Directory.CreateTempSubdirectory("mesh-bench-mc-").FullName;
        try
        {
            return await RunAsync(dir, sizes, watcherCount, rounds, hop, load);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task<int> RunAsync(string dir, int[] sizes, int watcherCount, int rounds, HopBench.Options hopOptions, string load)
    {
        // One anchor, an issuer per cluster (what `mesh identity issuer --anchor-*` writes into each data dir).
        var (westDir, eastDir) = (Path.Combine(dir, "west"), Path.Combine(dir, "east"));
        var anchor = CertificateAuthority.Create(Objects.WestDomain);
        anchor.Save(Path.Combine(westDir, "ca"));
        CertificateAuthority.FromAnchor(anchor.Anchor, Objects.EastDomain).Save(Path.Combine(eastDir, "ca"));
        var gatewayPort = FreePort(); // only the gateway hop phase runs a gateway there (see Objects.Link)

        await using var west = await SiloProcess.StartAsync(westDir, ["--cluster-name", "west", "--trust-domain", Objects.WestDomain,
            "--federation", "127.0.0.1:0", "--multicluster-gateway", $"127.0.0.1:{gatewayPort}", "--multicluster-gateway-identity", Objects.GatewayIdentity]);
        await using var east = await SiloProcess.StartAsync(eastDir, ["--cluster-name", "east", "--trust-domain", Objects.EastDomain]);
        using var westAdmin = west.AdminClient();
        using var eastAdmin = east.AdminClient();
        if (west.Federation is null) throw new InvalidOperationException("west's silo printed no federation address");

        await ApplyAsync(westAdmin, Objects.AllowEast);
        await ApplyAsync(eastAdmin, Objects.Service(Objects.LocalService, "tier: local") + "\n---\n" + Objects.Workload(Objects.LocalService, Objects.Address(2, 0)));
        await ApplyAsync(eastAdmin, Objects.Link(west.Federation, gatewayPort));
        await UntilAsync(async () => (await LinkStatusAsync(eastAdmin))?["conditions"]?.AsArray()
            .Any(c => (string?)c!["type"] == "FederationConnected" && (string?)c["status"] == "True") == true, "east's link to west connected");

        // The data path first, while nothing else is exported: its proxies are stopped and its objects deleted after.
        Dictionary<string, HopBench.PathSamples>? hop = null;
        var hopLoad = "";
        if (hopOptions.Seconds > 0)
        {
            hopLoad = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            hop = await HopBench.RunAsync(west, east, westAdmin, eastAdmin, gatewayPort, hopOptions, UntilAsync);
            hopLoad += " → " + File.ReadAllText("/proc/loadavg").Split(' ')[0];
            await UntilAsync(async () => MirroredCount(await LinkStatusAsync(eastAdmin)) == 0, "the hop mirror deleted");
        }

        using var channel = Channel(east, Objects.EastDomain);
        var client = new Discovery.DiscoveryClient(channel);
        var remoteWatchers = Enumerable.Range(0, watcherCount).Select(_ => new Watcher(client, Objects.MirrorAuthority)).ToList();
        var localWatchers = Enumerable.Range(0, watcherCount).Select(_ => new Watcher(client, Objects.LocalAuthority)).ToList();
        // West's own proxies' view of svc-0: the remote change as a local change of west (same change, same instant).
        using var westChannel = Channel(west, Objects.WestDomain);
        var westWatchers = Enumerable.Range(0, watcherCount).Select(_ => new Watcher(new Discovery.DiscoveryClient(westChannel), Objects.WestAuthority)).ToList();
        await WaitAllAsync(remoteWatchers, w => w.Count == 0, "a snapshot of svc-0-west (not there yet)");
        await WaitAllAsync(westWatchers, w => w.Count == 0, "a snapshot of west's svc-0 (not there yet)");
        await WaitAllAsync(localWatchers, w => w.Count == 1, "a snapshot of local with its endpoint");
        await Task.Delay(2000);
        var (eastEmpty, westEmpty) = (await east.SettledRssAsync(), await west.SettledRssAsync());
        Console.Error.WriteLine($"bench: linked; {watcherCount} watchers each on svc-0-west and local; east RSS {eastEmpty / 1048576.0:0.0} MiB");

        var results = new List<SizeResult>();
        var exported = 0;
        foreach (var n in sizes)
        {
            var clock = Stopwatch.StartNew();
            for (var i = exported; i < n; i += 250)
                await ApplyAsync(westAdmin, string.Join("\n---\n", Enumerable.Range(i, Math.Min(250, n - i)).Select(Objects.ExportedWithWorkload)));
            exported = n;
            await UntilAsync(async () => MirroredCount(await LinkStatusAsync(eastAdmin)) >= n, $"{n} services mirrored on east");
            var mirrored = clock.Elapsed;
            await WaitAllAsync(remoteWatchers, w => w.Count == 1, "svc-0-west with the gateway endpoint");
            await WaitAllAsync(westWatchers, w => w.Count == 1, "west's svc-0 with its endpoint");
            await Task.Delay(3000); // the last mirror batches land
            var (eastFull, westFull) = (await east.SettledRssAsync(), await west.SettledRssAsync());
            Console.Error.WriteLine($"bench: {n} exported and mirrored in {mirrored.TotalSeconds:0.0} s; east RSS {eastFull / 1048576.0:0.0} MiB");

            // Interleaved: west's svc-0 loses (even rounds) or regains its endpoint, then local does the same on east.
            // Two warm-up changes each, not reported.
            var (remote, local, westLocal) = (new Samples(), new Samples(), new Samples());
            for (var r = -2; r < rounds; r++)
            {
                var remove = r % 2 == 0;
                await ChangeAsync([(remoteWatchers, remote), (westWatchers, westLocal)], remove, r >= 0, () => remove
                    ? DeleteAsync(westAdmin, "workloads", $"{Objects.Exported(0)}-1")
                    : ApplyAsync(westAdmin, Objects.Workload(Objects.Exported(0), Objects.Address(1, 0))));
                await ChangeAsync([(localWatchers, local)], remove, r >= 0, () => remove
                    ? DeleteAsync(eastAdmin, "workloads", $"{Objects.LocalService}-1")
                    : ApplyAsync(eastAdmin, Objects.Workload(Objects.LocalService, Objects.Address(2, 0))));
            }
            results.Add(new SizeResult(n, remote, local, westLocal, eastFull, westFull));
            Console.Error.WriteLine($"bench: {n}: {rounds} changes each done");
        }

        var errors = remoteWatchers.Concat(localWatchers).Concat(westWatchers).Count(w => w.Error is not null);
        foreach (var w in remoteWatchers.Concat(localWatchers).Concat(westWatchers)) w.Dispose();
        var finalLoad = File.ReadAllText("/proc/loadavg").Split(' ')[0];

        Console.WriteLine($"mirrored services: {string.Join(", ", sizes)}; watchers: {watcherCount} on the mirror + {watcherCount} on the local service; " +
            $"changes per size: {rounds} each; {Environment.ProcessorCount} cores; load average {load} at start, {finalLoad} at end; watcher errors: {errors}");
        Console.WriteLine();
        Console.WriteLine("| mirrored services | endpoint change → every east watcher | p50 ms (each watcher) | p99 ms (each watcher) | p50 ms (all watchers) | p99 ms (all watchers) | p50 ms (admin request answered) |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|");
        foreach (var s in results)
        {
            Console.WriteLine(s.Local.Row(s.N, "local Service on east (baseline)"));
            Console.WriteLine(s.Remote.Row(s.N, "remote: west's svc-0 → mirror svc-0-west"));
            Console.WriteLine(s.WestLocal.Row(s.N, "the same change seen by west's own watchers of svc-0"));
            Console.WriteLine($"| {s.N} | ratio remote / local (target p99 ≤ 2×) | {s.Remote.Each(50) / s.Local.Each(50):0.00}× | {s.Remote.Each(99) / s.Local.Each(99):0.00}× | " +
                $"{s.Remote.All(50) / s.Local.All(50):0.00}× | {s.Remote.All(99) / s.Local.All(99):0.00}× | |");
            Console.WriteLine($"| {s.N} | ratio remote / the same change on west | {s.Remote.Each(50) / s.WestLocal.Each(50):0.00}× | {s.Remote.Each(99) / s.WestLocal.Each(99):0.00}× | " +
                $"{s.Remote.All(50) / s.WestLocal.All(50):0.00}× | {s.Remote.All(99) / s.WestLocal.All(99):0.00}× | |");
        }
        Console.WriteLine();
        // Per service two ways: from the linked-but-empty silo (includes the first mirror's one-time costs: JIT, pools)
        // and the slope from the previous size (the marginal cost of one more mirrored service).
        Console.WriteLine("| mirrored services | east RSS MiB | east KiB / service (vs 0) | east KiB / service (vs previous size) | west RSS MiB | west KiB / service (vs 0) | west KiB / service (vs previous size) |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine($"| 0 | {eastEmpty / 1048576.0:0.0} | — | — | {westEmpty / 1048576.0:0.0} | — | — |");
        var (prevN, prevEast, prevWest) = (0, eastEmpty, westEmpty);
        foreach (var s in results)
        {
            Console.WriteLine($"| {s.N} | {s.EastRss / 1048576.0:0.0} | {(s.EastRss - eastEmpty) / 1024.0 / s.N:0.0} | {(s.EastRss - prevEast) / 1024.0 / (s.N - prevN):0.0} | " +
                $"{s.WestRss / 1048576.0:0.0} | {(s.WestRss - westEmpty) / 1024.0 / s.N:0.0} | {(s.WestRss - prevWest) / 1024.0 / (s.N - prevN):0.0} |");
            (prevN, prevEast, prevWest) = (s.N, s.EastRss, s.WestRss);
        }
        if (hop is not null)
        {
            Console.WriteLine();
            Console.WriteLine($"gateway hop phase: {hopOptions.Passes} passes × {hopOptions.Seconds} s per path and load, paths alternating; " +
                $"proxy {Path.GetFileName(ProxyProcess.Binary)}; load average {hopLoad}");
            Console.WriteLine();
            HopBench.Print(hop, hopOptions);
        }
        return errors == 0 && (hop is null || hop.Values.All(p => p.Errors == 0)) ? 0 : 2;
    }

    private sealed record SizeResult(int N, Samples Remote, Samples Local, Samples WestLocal, long EastRss, long WestRss);

    /// <summary>Arms every watcher of every group for the count the change leaves, times from just before the admin
    /// request until every watcher has it; each group's delays go to its samples (when <paramref name="report"/>).</summary>
    private static async Task ChangeAsync(List<(List<Watcher> Watchers, Samples Samples)> groups, bool remove, bool report, Func<Task> change)
    {
        var expected = remove ? 0 : 1;
        foreach (var w in groups.SelectMany(g => g.Watchers)) w.Expect(expected);
        var start = Stopwatch.GetTimestamp();
        await change();
        var answered = Stopwatch.GetTimestamp();
        foreach (var (watchers, samples) in groups)
        {
            await WaitAllAsync(watchers, w => w.Reached.HasValue, remove ? "the endpoint removed" : "the endpoint back");
            if (report) samples.Add(watchers, start, answered);
        }
    }

    private static int Parse(string s) => int.Parse(s, CultureInfo.InvariantCulture);

    /// <summary>A loopback port nothing listens on (bound, then released).</summary>
    internal static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static async Task ApplyAsync(HttpClient admin, string yaml)
    {
        using var response = await admin.PostAsync("/api/v1/apply", new StringContent(yaml, Encoding.UTF8, "application/yaml"));
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"apply failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task DeleteAsync(HttpClient admin, string plural, string name)
    {
        using var response = await admin.DeleteAsync($"/api/v1/resources/{plural}/{Objects.Namespace}/{name}");
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"delete {plural}/{name} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<JsonNode?> LinkStatusAsync(HttpClient admin)
    {
        using var response = await admin.GetAsync("/api/v1/resources/links/mesh/west");
        return response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync())?["status"] : null;
    }

    private static int MirroredCount(JsonNode? status) =>
        status?["services"]?.AsArray().Count(s => (string?)s!["reason"] == "Mirrored") ?? 0;

    /// <summary>A channel to a silo's control port as its proxies make one: mesh TLS against the anchors the silo
    /// published, expecting the silo identity of <paramref name="trustDomain"/>.</summary>
    private static GrpcChannel Channel(SiloProcess silo, string trustDomain)
    {
        var (address, handler) = ControlPlaneConnection.Create(silo.Control, ControlPlaneConnection.LoadTrust(silo.TrustAnchorsPath), trustDomain);
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = 64 << 20 });
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(Bound.TotalSeconds * Stopwatch.Frequency);
        while (!await condition())
        {
            if (Stopwatch.GetTimestamp() > deadline) throw new TimeoutException($"{what}: not within {Bound.TotalSeconds} s");
            await Task.Delay(100);
        }
    }

    private static async Task WaitAllAsync(List<Watcher> watchers, Func<Watcher, bool> done, string what)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(Bound.TotalSeconds * Stopwatch.Frequency);
        while (!watchers.All(done))
        {
            if (watchers.FirstOrDefault(w => w.Error is not null) is { } failed) throw new InvalidOperationException($"a watcher failed: {failed.Error}");
            if (Stopwatch.GetTimestamp() > deadline) throw new TimeoutException($"{watchers.Count(w => !done(w))} of {watchers.Count} watchers never saw {what}");
            await Task.Delay(1);
        }
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        var index = (int)Math.Ceiling(p / 100.0 * sorted.Count) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Count - 1)];
    }

    /// <summary>Per-watcher delays (every watcher × every change), per-change maxima (the last watcher's delay), and
    /// per change how long the admin request took to answer (the origin silo's own catalog write and reconcile: what
    /// of the delay is spent before anything reaches a watcher or, for a remote change, the federation stream).</summary>
    private sealed class Samples
    {
        private readonly List<double> _each = [];
        private readonly List<double> _all = [];
        private readonly List<double> _answered = [];

        public void Add(List<Watcher> watchers, long start, long answered)
        {
            var times = watchers.Select(w => Stopwatch.GetElapsedTime(start, w.Reached!.Value).TotalMilliseconds).ToList();
            _each.AddRange(times);
            _all.Add(times.Max());
            _answered.Add(Stopwatch.GetElapsedTime(start, answered).TotalMilliseconds);
        }

        public double Each(double p) => Percentile(_each, p);
        public double All(double p) => Percentile(_all, p);
        public string Row(int n, string name) => $"| {n} | {name} | {Each(50):0.0} | {Each(99):0.0} | {All(50):0.0} | {All(99):0.0} | {Percentile(_answered, 50):0.0} |";
    }
}
