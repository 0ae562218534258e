using System.Diagnostics;
using System.Net.Http.Headers;

namespace Mesh.Bench.Multicluster;

/// <summary>A mesh-silo process built next to the benchmark (memory storage, free loopback ports, its own data dir
/// holding its cluster's issuer), started with the given command-line arguments.</summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;

    private SiloProcess(Process process, string dataDir, Uri admin, Uri control, string? federation)
    {
        (_process, DataDir, Admin, Control, Federation) = (process, dataDir, admin, control, federation);
    }

    public string DataDir { get; }
    public Uri Admin { get; }
    public Uri Control { get; }
    /// <summary>"127.0.0.1:port" of the federation listener; null when the silo serves none.</summary>
    public string? Federation { get; }
    public string TrustAnchorsPath => Path.Combine(DataDir, "trust-anchors.pem");

    public static async Task<SiloProcess> StartAsync(string dataDir, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mesh-silo.dll"));
        foreach (var a in new[] { "--admin", "127.0.0.1:0", "--control", "127.0.0.1:0", "--data-dir", dataDir, "--ephemeral" }.Concat(args))
            psi.ArgumentList.Add(a);
        psi.Environment["MESH_LOG_LEVEL"] = "Warning";
        foreach (var inherited in new[] { "MESH_REDIS", "MESH_ADMIN_ADDR", "MESH_CONTROL_ADDR", "MESH_FEDERATION_ADDR", "MESH_TOKEN" })
            psi.Environment.Remove(inherited);
        var process = Process.Start(psi)!;
        Uri? admin = null, control = null;
        string? federation = null;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith("mesh-silo: admin ")) admin = new Uri(line[17..]);
                else if (line.StartsWith("mesh-silo: control ")) control = new Uri(line[19..]);
                else if (line.StartsWith("mesh-silo: federation ")) federation = new Uri(line[22..]).Authority;
                else if (line == "mesh-silo: ready") break;
            }
            if (admin is null || control is null) throw new InvalidOperationException($"mesh-silo ({dataDir}) did not start");
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
        _ = Task.Run(async () => { while (await process.StandardOutput.ReadLineAsync() is not null) { } });
        return new SiloProcess(process, dataDir, admin, control, federation);
    }

    public HttpClient AdminClient()
    {
        var http = new HttpClient { BaseAddress = Admin, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            File.ReadAllText(Path.Combine(DataDir, "admin-token")).Trim());
        return http;
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
    }
}
