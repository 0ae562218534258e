using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Mesh.Admin.Contract;

namespace Mesh.Bench.Kubernetes;

/// <summary>A mesh-silo process built next to the benchmark (memory storage, free loopback ports, its own data dir);
/// extra environment selects Kubernetes mode.</summary>
/// <summary>GC heap after the last collection, GC committed bytes, live activations by grain type.</summary>
internal sealed record SiloMemory(long Heap, long Committed, IReadOnlyDictionary<string, long> Activations)
{
    public long TotalActivations => Activations.Values.Sum();
}

internal sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dataDir;

    private SiloProcess(Process process, string dataDir, Uri admin, Uri control)
    {
        (_process, _dataDir, Admin, Control) = (process, dataDir, admin, control);
    }

    public Uri Admin { get; }
    public Uri Control { get; }
    public string DataDir => _dataDir;
    public string TrustAnchorsPath => Path.Combine(_dataDir, "trust-anchors.pem");

    public static async Task<SiloProcess> StartAsync(string dataDir, IReadOnlyDictionary<string, string> environment)
    {
        var psi = new ProcessStartInfo("dotnet") { ArgumentList = { Path.Combine(AppContext.BaseDirectory, "mesh-silo.dll") },
            RedirectStandardOutput = true, UseShellExecute = false };
        psi.Environment["MESH_ADMIN_ADDR"] = "127.0.0.1:0";
        psi.Environment["MESH_CONTROL_ADDR"] = "127.0.0.1:0";
        psi.Environment["MESH_DATA_DIR"] = dataDir;
        psi.Environment["MESH_LOG_LEVEL"] = "Warning";
        psi.Environment.Remove("MESH_REDIS");
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        var process = Process.Start(psi)!;
        Uri? admin = null, control = null;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith("mesh-silo: admin ")) admin = new Uri(line[17..]);
                else if (line.StartsWith("mesh-silo: control ")) control = new Uri(line[19..]);
                else if (line == "mesh-silo: ready") break;
            }
            if (admin is null || control is null) throw new InvalidOperationException("mesh-silo did not start");
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
        _ = Task.Run(async () => { while (await process.StandardOutput.ReadLineAsync() is not null) { } });
        return new SiloProcess(process, dataDir, admin, control);
    }

    public HttpClient AdminClient()
    {
        var http = new HttpClient { BaseAddress = Admin, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            File.ReadAllText(Path.Combine(_dataDir, "admin-token")).Trim());
        return http;
    }

    public async Task<KubernetesSyncStatus> SyncStatusAsync(HttpClient admin) =>
        (await admin.GetFromJsonAsync("/api/v1/kubernetes/sync", AdminJsonContext.Default.KubernetesSyncStatus))!;

    /// <summary>What the silo's `GET /metrics` says it holds: GC heap size after the last collection (all generations)
    /// and GC committed bytes (.NET's System.Runtime meter), and live grain activations by grain type (created − destroyed,
    /// the Orleans meter).</summary>
    public async Task<SiloMemory> MemoryAsync(HttpClient admin)
    {
        var text = await admin.GetStringAsync("/metrics");
        long heap = 0, committed = 0;
        var activations = new Dictionary<string, long>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var space = line.LastIndexOf(' ');
            if (space < 0 || !double.TryParse(line[(space + 1)..], System.Globalization.CultureInfo.InvariantCulture, out var value)) continue;
            var name = line[..Math.Max(0, line.IndexOf('{') is var b && b >= 0 ? b : space)];
            if (name == "dotnet_gc_last_collection_heap_size_bytes") heap += (long)value;
            else if (name == "dotnet_gc_last_collection_memory_committed_size_bytes") committed = (long)value;
            else if (name is "orleans_catalog_activation_created_total" or "orleans_catalog_activation_destroyed_total")
            {
                var type = Label(line, "grain_type") ?? "?";
                activations[type] = activations.GetValueOrDefault(type) + (name.Contains("created") ? (long)value : -(long)value);
            }
        }
        return new SiloMemory(heap, committed, activations);
    }

    /// <summary>Folds of grain change logs into snapshots so far (the silo's `mesh_state_compaction_duration`
    /// histogram): count and total ms over every grain kind; and the GC's total pause time so far, ms.</summary>
    public async Task<(long Count, double Ms, double GcPauseMs)> CompactionsAsync(HttpClient admin)
    {
        var text = await admin.GetStringAsync("/metrics");
        long count = 0;
        double ms = 0, gc = 0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("dotnet_gc_pause_time_seconds_total", StringComparison.Ordinal)
                && double.TryParse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture, out var pause))
                gc = pause * 1000;
            if (!line.StartsWith("mesh_state_compaction_duration", StringComparison.Ordinal)) continue;
            var space = line.LastIndexOf(' ');
            if (!double.TryParse(line[(space + 1)..], System.Globalization.CultureInfo.InvariantCulture, out var value)) continue;
            var name = line[..(line.IndexOf('{') is var b && b >= 0 ? b : space)];
            if (name.EndsWith("_count", StringComparison.Ordinal)) count += (long)value;
            else if (name.EndsWith("_sum", StringComparison.Ordinal)) ms += value;
        }
        return (count, ms, gc);
    }

    private static string? Label(string line, string label)
    {
        var at = line.IndexOf(label + "=\"", StringComparison.Ordinal);
        if (at < 0) return null;
        at += label.Length + 2;
        return line[at..line.IndexOf('"', at)];
    }

    /// <summary>Resident set size (VmRSS).</summary>
    public long RssBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            if (line.StartsWith("VmRSS:"))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        return 0;
    }

    /// <summary>The lowest of ten RSS samples 200 ms apart: transient buffers and GC timing inflate single samples.</summary>
    public async Task<long> SettledRssAsync()
    {
        var min = long.MaxValue;
        for (var i = 0; i < 10; i++)
        {
            min = Math.Min(min, RssBytes());
            await Task.Delay(200);
        }
        return min;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        try { Directory.Delete(_dataDir, recursive: true); } catch (IOException) { }
    }
}
