using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Grpc.Net.Client;
using Mesh.Abstractions.Resources;
using Mesh.Api.V1;
using Mesh.Identity.Client;
using Mesh.Testing.KubeApi;

namespace Mesh.Bench.Kubernetes;

/// <summary>The fake API server in this process and two mesh-silo processes: one in Kubernetes mode syncing from the
/// fake, one in local mode fed by `mesh apply` (the baseline). Both serve the same Service with the same N endpoints to
/// W real discovery watchers. Measures (a) a new ready pod / an applied Workload → every watcher, p50/p99, interleaved
/// round by round; (b) silo RSS per synced pod (and per applied Workload); (c) relist after a forced 410: time and the
/// deltas it delivered to watchers.</summary>
internal static class KubernetesBench
{
    private const string Usage = "usage: mesh-bench-kubernetes [--pods 2000] [--watchers 100] [--rounds 30] [--relists 5]";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    public static async Task<int> RunAsync(string[] args)
    {
        int pods = 2000, watcherCount = 100, rounds = 30, relists = 5;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--pods" when i + 1 < args.Length: pods = Parse(args[++i]); break;
                case "--watchers" when i + 1 < args.Length: watcherCount = Parse(args[++i]); break;
                case "--rounds" when i + 1 < args.Length: rounds = Parse(args[++i]); break;
                case "--relists" when i + 1 < args.Length: relists = Parse(args[++i]); break;
                default: Console.Error.WriteLine(Usage); return 1;
            }
        }
        if (pods is < 1 or > 60_000 || watcherCount < 1 || rounds < 1 || relists < 1) { Console.Error.WriteLine(Usage); return 1; }

        var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        await using var api = await FakeKubeApi.StartAsync(new FakeKubeApiOptions { BookmarkInterval = TimeSpan.FromSeconds(1) });
        await SeedClusterAsync(api);
        var dir = Directory.CreateTempSubdirectory("mesh-bench-k8s-").FullName;
        var kubeDir = Directory.CreateDirectory(Path.Combine(dir, "kube")).FullName;
        var kubeconfig = api.WriteKubeconfig(Path.Combine(kubeDir, "kubeconfig"), token: api.Tokens.MintServiceAccount("mesh-system", "mesh-silo"));

        await using var kube = await SiloProcess.StartAsync(Directory.CreateDirectory(Path.Combine(dir, "k8s")).FullName, new Dictionary<string, string>
        {
            ["MESH_KUBERNETES"] = "true", ["MESH_KUBECONFIG"] = kubeconfig, ["MESH_EPHEMERAL"] = "true",
            ["POD_NAME"] = "bench-silo", ["POD_NAMESPACE"] = "mesh-system",
        });
        await using var local = await SiloProcess.StartAsync(Directory.CreateDirectory(Path.Combine(dir, "local")).FullName,
            new Dictionary<string, string> { ["MESH_EPHEMERAL"] = "true" });
        using var kubeAdmin = kube.AdminClient();
        using var localAdmin = local.AdminClient();

        // Empty: the sync leads and has listed every kind; the local silo holds the Service only.
        await UntilAsync(async () => await kube.SyncStatusAsync(kubeAdmin) is { Leader: true } s && s.Kinds.All(k => k.Synced), "the sync leading, every kind listed");
        await ApplyAsync(localAdmin, Objects.ApplyService);
        await Task.Delay(2000);
        var (kubeEmpty, localEmpty) = (await kube.SettledRssAsync(), await local.SettledRssAsync());
        var (kubeEmptyMem, localEmptyMem) = (await kube.MemoryAsync(kubeAdmin), await local.MemoryAsync(localAdmin));

        // N pods (Kubernetes) and N Workloads (apply), in two halves: memory is sampled after each, so the second half's
        // growth is the marginal cost of a pod, without what the first pods bring once (stream caches, pools, JIT).
        var half = pods / 2;
        var (kubeSeeded, localSeeded) = (TimeSpan.Zero, TimeSpan.Zero);
        async Task SeedAsync(int from, int to)
        {
            var seedClock = Stopwatch.StartNew();
            for (var i = from; i < to; i++) await CreatePodAsync(api, $"books-{i}", Objects.Address(1, i));
            await UntilAsync(async () => (await kube.SyncStatusAsync(kubeAdmin)).Kinds.Single(k => k.Kind == "Pod").Objects >= to, $"{to} pods seen by the sync");
            kubeSeeded += seedClock.Elapsed;
            seedClock.Restart();
            for (var i = from; i < to; i += 250)
                await ApplyAsync(localAdmin, string.Join("\n---\n", Enumerable.Range(i, Math.Min(250, to - i)).Select(j => Objects.ApplyWorkload($"books-{j}", Objects.Address(1, j)))));
            localSeeded += seedClock.Elapsed;
            await Task.Delay(3000); // the sink's coalesced batches land; nothing is watched yet
        }
        await SeedAsync(0, half);
        var (kubeHalf, localHalf) = (await kube.SettledRssAsync(), await local.SettledRssAsync());
        var (kubeHalfMem, localHalfMem) = (await kube.MemoryAsync(kubeAdmin), await local.MemoryAsync(localAdmin));
        await SeedAsync(half, pods);
        var (kubeFull, localFull) = (await kube.SettledRssAsync(), await local.SettledRssAsync());
        var (kubeFullMem, localFullMem) = (await kube.MemoryAsync(kubeAdmin), await local.MemoryAsync(localAdmin));
        Console.Error.WriteLine($"bench: seeded {pods} pods ({kubeSeeded.TotalSeconds:0.0} s until the sync saw them) and {pods} Workloads ({localSeeded.TotalSeconds:0.0} s)");

        using var kubeChannel = Channel(kube);
        using var localChannel = Channel(local);
        var kubeWatchers = Open(kubeChannel, watcherCount);
        var localWatchers = Open(localChannel, watcherCount);
        await WaitAllAsync(kubeWatchers.Concat(localWatchers).ToList(), w => w.SnapshotEndpoints == pods, $"a snapshot with {pods} endpoints");
        Console.Error.WriteLine($"bench: {watcherCount} watchers per silo hold {pods} endpoints");

        // (a) churn: a new ready pod vs an applied Workload, interleaved; one warm-up round each, not reported.
        var kubeTimes = new Samples();
        var localTimes = new Samples();
        for (var r = -1; r < rounds; r++)
        {
            var ip = Objects.Address(2, r + 1);
            await CreatePodObjectAsync(api, $"churn-{r + 1}");
            var folds = await kube.CompactionsAsync(kubeAdmin);
            var start = Stopwatch.GetTimestamp();
            await SetPodStatusAsync(api, $"churn-{r + 1}", ip);
            await WaitAllAsync(kubeWatchers, w => w.Seen($"{ip}:{Objects.Port}").HasValue, ip);
            var foldsAfter = await kube.CompactionsAsync(kubeAdmin);
            if (r >= 0) kubeTimes.Add(kubeWatchers, start, $"{ip}:{Objects.Port}", foldsAfter.Count - folds.Count, foldsAfter.Ms - folds.Ms, foldsAfter.GcPauseMs - folds.GcPauseMs);

            folds = await local.CompactionsAsync(localAdmin);
            start = Stopwatch.GetTimestamp();
            await ApplyAsync(localAdmin, Objects.ApplyWorkload($"churn-{r + 1}", ip));
            await WaitAllAsync(localWatchers, w => w.Seen($"{ip}:{Objects.Port}").HasValue, ip);
            foldsAfter = await local.CompactionsAsync(localAdmin);
            if (r >= 0) localTimes.Add(localWatchers, start, $"{ip}:{Objects.Port}", foldsAfter.Count - folds.Count, foldsAfter.Ms - folds.Ms, foldsAfter.GcPauseMs - folds.GcPauseMs);
        }
        Console.Error.WriteLine("bench: churn rounds done");

        // (c) relist after a forced 410: compaction expires every open watch; the Pod loop relists all pods. A pod event
        // outside the watched Service first, so each 410 follows an event (two 410s in a row without one back off).
        var relistTimes = new List<double>();
        var spurious = 0;
        for (var n = 0; n < relists; n++)
        {
            await PatchAsync(api, "pods", "other", "noise", false, "{\"metadata\":{\"labels\":{\"round\":\"" + n + "\"}}}");
            await Task.Delay(1500);
            var before = (await kube.SyncStatusAsync(kubeAdmin)).Kinds.Single(k => k.Kind == "Pod").Relists;
            var updatesBefore = kubeWatchers.Sum(w => w.Updates);
            var start = Stopwatch.GetTimestamp();
            api.Compact(expireOpenWatches: true);
            await UntilAsync(async () => (await kube.SyncStatusAsync(kubeAdmin)).Kinds.Single(k => k.Kind == "Pod") is { Synced: true } p && p.Relists > before,
                "the Pod relist", poll: 5);
            relistTimes.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            await UntilAsync(async () => (await kube.SyncStatusAsync(kubeAdmin)).Kinds.All(k => k.Synced), "every kind relisted");
            await Task.Delay(2000); // whatever the relist queued has been written and fanned out by now
            spurious += kubeWatchers.Sum(w => w.Updates) - updatesBefore;
        }
        var resnapshots = kubeWatchers.Concat(localWatchers).Sum(w => w.Snapshots - 1);

        foreach (var w in kubeWatchers.Concat(localWatchers)) w.Dispose();
        var finalLoad = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        try { Directory.Delete(kubeDir, recursive: true); } catch (IOException) { }

        Console.WriteLine($"pods: {pods}; watchers per silo: {watcherCount}; rounds: {rounds}; relists: {relists}; {Environment.ProcessorCount} cores; load average {load} at start, {finalLoad} at end");
        Console.WriteLine($"re-snapshots after the first (any watcher, whole run): {resnapshots}");
        Console.WriteLine();
        Console.WriteLine("| change → every watcher | p50 ms (each watcher) | p99 ms (each watcher) | p50 ms (all watchers) | p99 ms (all watchers) |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        Console.WriteLine(localTimes.Row("`mesh apply` Workload, local mode (baseline)"));
        Console.WriteLine(kubeTimes.Row("pod Running + Ready, Kubernetes mode"));
        Console.WriteLine($"| ratio Kubernetes / apply | {kubeTimes.Each(50) / localTimes.Each(50):0.00}× | {kubeTimes.Each(99) / localTimes.Each(99):0.00}× | {kubeTimes.All(50) / localTimes.All(50):0.00}× | {kubeTimes.All(99) / localTimes.All(99):0.00}× |");
        Console.WriteLine();
        Console.WriteLine("| rounds (all watchers) | with a log fold in the silo during the round: n, p50 / max ms, fold ms in them | without: n, p50 / max ms |");
        Console.WriteLine("|---|---|---|");
        Console.WriteLine(localTimes.FoldRow("`mesh apply`, local mode"));
        Console.WriteLine(kubeTimes.FoldRow("pod Ready, Kubernetes mode"));
        Console.WriteLine();
        Console.WriteLine($"slowest rounds, `mesh apply`: {localTimes.Slowest(3)}; GC pauses in all timed rounds {localTimes.GcMs:0} ms");
        Console.WriteLine($"slowest rounds, pod Ready: {kubeTimes.Slowest(3)}; GC pauses in all timed rounds {kubeTimes.GcMs:0} ms");
        Console.WriteLine();
        var rest = pods - half;
        Console.WriteLine($"| silo | RSS MiB empty | RSS MiB with {half} | RSS MiB with {pods} | KiB per resource (vs empty) | KiB per resource ({half} → {pods}) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        Console.WriteLine($"| Kubernetes mode ({pods} synced pods) | {kubeEmpty / 1048576.0:0.0} | {kubeHalf / 1048576.0:0.0} | {kubeFull / 1048576.0:0.0} | " +
            $"{(kubeFull - kubeEmpty) / 1024.0 / pods:0.00} | {(kubeFull - kubeHalf) / 1024.0 / rest:0.00} |");
        Console.WriteLine($"| local mode ({pods} applied Workloads) | {localEmpty / 1048576.0:0.0} | {localHalf / 1048576.0:0.0} | {localFull / 1048576.0:0.0} | " +
            $"{(localFull - localEmpty) / 1024.0 / pods:0.00} | {(localFull - localHalf) / 1024.0 / rest:0.00} |");
        Console.WriteLine();
        Console.WriteLine($"| silo | GC heap MiB empty | GC heap MiB with {pods} | heap KiB per resource | GC committed KiB per resource | activations empty | activations with {pods} | activations per resource |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine(MemoryRow($"Kubernetes mode ({pods} synced pods)", kubeEmptyMem, kubeFullMem, pods));
        Console.WriteLine(MemoryRow($"local mode ({pods} applied Workloads)", localEmptyMem, localFullMem, pods));
        Console.WriteLine(MemoryRow($"Kubernetes mode, {half} → {pods}", kubeHalfMem, kubeFullMem, rest));
        Console.WriteLine(MemoryRow($"local mode, {half} → {pods}", localHalfMem, localFullMem, rest));
        Console.WriteLine();
        Console.WriteLine($"activations by grain type with {pods} (Kubernetes / local): " + string.Join(", ",
            kubeFullMem.Activations.Keys.Union(localFullMem.Activations.Keys).Order()
                .Select(t => $"{t} {kubeFullMem.Activations.GetValueOrDefault(t)} / {localFullMem.Activations.GetValueOrDefault(t)}")));
        Console.WriteLine();
        Console.WriteLine($"| relist of {pods} pods after a forced 410 | median ms | max ms | updates delivered to {watcherCount} watchers |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine($"| {relists} relists | {Percentile(relistTimes, 50):0} | {relistTimes.Max():0} | {spurious} |");
        return 0;
    }

    private static string MemoryRow(string name, SiloMemory empty, SiloMemory full, int n) =>
        $"| {name} | {empty.Heap / 1048576.0:0.0} | {full.Heap / 1048576.0:0.0} | {(full.Heap - empty.Heap) / 1024.0 / n:0.00} | " +
        $"{(full.Committed - empty.Committed) / 1024.0 / n:0.00} | {empty.TotalActivations} | {full.TotalActivations} | " +
        $"{(full.TotalActivations - empty.TotalActivations) / (double)n:0.00} |";

    private static int Parse(string s) => int.Parse(s, CultureInfo.InvariantCulture);

    private static async Task SeedClusterAsync(FakeKubeApi api)
    {
        foreach (var ns in new[] { "mesh-system", Objects.Namespace, "other" })
            await CreateAsync(api, "v1", "namespaces", null, $$$"""{"metadata":{"name":"{{{ns}}}"}}""");
        // The CRDs the sync lists (as deploy/ installs them), so every kind's loop is synced.
        foreach (var kind in ResourceKinds.CustomResources)
        {
            var (group, version) = (kind.ApiVersion.Split('/')[0], kind.ApiVersion.Split('/')[1]);
            await CreateAsync(api, "apiextensions.k8s.io/v1", "customresourcedefinitions", null, $$$"""
                {"metadata":{"name":"{{{kind.Plural}}}.{{{group}}}"},
                 "spec":{"group":"{{{group}}}","scope":"Namespaced","names":{"plural":"{{{kind.Plural}}}","kind":"{{{kind.Kind}}}"},
                         "versions":[{"name":"{{{version}}}","served":true,"storage":true,"subresources":{"status":{} }}]}}
                """);
        }
        await CreateAsync(api, "v1", "services", Objects.Namespace, Objects.KubeService);
        await CreateAsync(api, "v1", "pods", "other", Objects.KubePod("noise", "other"));
    }

    private static async Task CreateAsync(FakeKubeApi api, string apiVersion, string plural, string? ns, string json)
    {
        var created = await api.Resources.CreateAsync(api.Kind(apiVersion, plural), ns, JsonNode.Parse(json));
        if (!created.Ok) throw new InvalidOperationException($"create {plural}: {created.Error?.Message}");
    }

    private static async Task PatchAsync(FakeKubeApi api, string plural, string ns, string name, bool status, string mergePatch)
    {
        var patched = await api.Resources.PatchAsync(api.Kind("v1", plural), ns, name, "application/merge-patch+json", JsonNode.Parse(mergePatch), status);
        if (!patched.Ok) throw new InvalidOperationException($"patch {plural} {ns}/{name}: {patched.Error?.Message}");
    }

    private static Task CreatePodObjectAsync(FakeKubeApi api, string name) => CreateAsync(api, "v1", "pods", Objects.Namespace, Objects.KubePod(name));

    private static Task SetPodStatusAsync(FakeKubeApi api, string name, string ip) =>
        PatchAsync(api, "pods", Objects.Namespace, name, status: true, Objects.KubePodStatus(ip));

    private static async Task CreatePodAsync(FakeKubeApi api, string name, string ip)
    {
        await CreatePodObjectAsync(api, name);
        await SetPodStatusAsync(api, name, ip);
    }

    private static async Task ApplyAsync(HttpClient admin, string yaml)
    {
        var response = await admin.PostAsync("/api/v1/apply", new StringContent(yaml));
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"apply failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>A channel to the control port as a proxy makes one: mesh TLS against the anchors the silo published.</summary>
    private static GrpcChannel Channel(SiloProcess silo)
    {
        var (address, handler) = ControlPlaneConnection.Create(silo.Control, ControlPlaneConnection.LoadTrust(silo.TrustAnchorsPath));
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = 64 << 20 });
    }

    private static List<Watcher> Open(GrpcChannel channel, int n)
    {
        var client = new Discovery.DiscoveryClient(channel);
        return Enumerable.Range(0, n).Select(_ => new Watcher(client, Objects.Authority)).ToList();
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what, int poll = 50)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(Bound.TotalSeconds * Stopwatch.Frequency);
        while (!await condition())
        {
            if (Stopwatch.GetTimestamp() > deadline) throw new TimeoutException($"{what}: not within {Bound.TotalSeconds} s");
            await Task.Delay(poll);
        }
    }

    private static async Task WaitAllAsync(List<Watcher> watchers, Func<Watcher, bool> done, string what)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(Bound.TotalSeconds * Stopwatch.Frequency);
        while (!watchers.All(done))
        {
            if (watchers.FirstOrDefault(w => w.Error is not null) is { } failed) throw new InvalidOperationException($"a watcher failed: {failed.Error}");
            if (Stopwatch.GetTimestamp() > deadline) throw new TimeoutException($"{watchers.Count(w => !done(w))} watchers never saw {what}");
            await Task.Delay(1);
        }
    }

    internal static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        var index = (int)Math.Ceiling(p / 100.0 * sorted.Count) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Count - 1)];
    }

    /// <summary>Per-watcher delays (every watcher × every round) and per-round maxima (the last watcher's delay).</summary>
    private sealed class Samples
    {
        private readonly List<double> _each = [];
        private readonly List<double> _all = [];

        private readonly List<(double Ms, long Folds, double FoldMs, double GcMs)> _rounds = [];

        /// <summary>One round; <paramref name="folds"/>: log folds (and their ms) the silo ran while the round was timed.</summary>
        public void Add(List<Watcher> watchers, long start, string key, long folds, double foldMs, double gcMs)
        {
            var times = watchers.Select(w => Stopwatch.GetElapsedTime(start, w.Seen(key)!.Value).TotalMilliseconds).ToList();
            _each.AddRange(times);
            _all.Add(times.Max());
            _rounds.Add((times.Max(), folds, foldMs, gcMs));
        }

        public string FoldRow(string name)
        {
            static string Of(List<(double Ms, long Folds, double FoldMs, double GcMs)> rounds) =>
                rounds.Count == 0 ? "0" : $"{rounds.Count}, {Percentile(rounds.Select(r => r.Ms).ToList(), 50):0.0} / {rounds.Max(r => r.Ms):0.0}";
            var with = _rounds.Where(r => r.Folds > 0).ToList();
            var without = _rounds.Where(r => r.Folds == 0).ToList();
            return $"| {name} | {Of(with)}{(with.Count > 0 ? $", {with.Sum(r => r.FoldMs):0.0} ms in {with.Sum(r => r.Folds)} folds" : "")} | {Of(without)} |";
        }

        /// <summary>The slowest rounds with the GC pause time and the folds the silo had while each was timed.</summary>
        public string Slowest(int n) => string.Join("; ", _rounds.OrderByDescending(r => r.Ms).Take(n)
            .Select(r => $"{r.Ms:0} ms (GC pauses {r.GcMs:0} ms, folds {r.Folds})"));

        public double GcMs => _rounds.Sum(r => r.GcMs);

        public double Each(double p) => Percentile(_each, p);
        public double All(double p) => Percentile(_all, p);
        public string Row(string name) => $"| {name} | {Each(50):0.0} | {Each(99):0.0} | {All(50):0.0} | {All(99):0.0} |";
    }
}
