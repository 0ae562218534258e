using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Mesh.Admin.Contract;

namespace Mesh.Bench.Kubernetes;

/// <summary>A mesh-silo process built next to the benchmark (memory storage, free loopback ports, its own data dir);
/// extra environment selects Kubernetes mode.</summary>
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
