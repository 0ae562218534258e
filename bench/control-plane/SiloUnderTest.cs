using System.Diagnostics;

namespace Mesh.Bench.ControlPlane;

/// <summary>The mesh-silo process built next to the benchmark, on free loopback ports with a temporary data dir.</summary>
internal sealed class SiloUnderTest : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dataDir;

    private SiloUnderTest(Process process, string dataDir, Uri admin, Uri control)
    {
        (_process, _dataDir, Admin, Control) = (process, dataDir, admin, control);
    }

    public Uri Admin { get; }
    public Uri Control { get; }
    public string Token => File.ReadAllText(Path.Combine(_dataDir, "admin-token")).Trim();
    public string TrustAnchorsPath => Path.Combine(_dataDir, "trust-anchors.pem");
    public string Description => $"pid {_process.Id}, memory storage, {Environment.ProcessorCount} cores";

    public static async Task<SiloUnderTest> StartAsync()
    {
        var dataDir = Directory.CreateTempSubdirectory("mesh-bench-").FullName;
        var psi = new ProcessStartInfo("dotnet") { ArgumentList = { Path.Combine(AppContext.BaseDirectory, "mesh-silo.dll") },
            RedirectStandardOutput = true, UseShellExecute = false };
        psi.Environment["MESH_ADMIN_ADDR"] = "127.0.0.1:0";
        psi.Environment["MESH_CONTROL_ADDR"] = "127.0.0.1:0";
        psi.Environment["MESH_DATA_DIR"] = dataDir;
        psi.Environment.Remove("MESH_REDIS");
        var process = Process.Start(psi)!;
        Uri? admin = null, control = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("mesh-silo: admin ")) admin = new Uri(line[17..]);
            else if (line.StartsWith("mesh-silo: control ")) control = new Uri(line[19..]);
            else if (line == "mesh-silo: ready") break;
        }
        if (admin is null || control is null) throw new InvalidOperationException("mesh-silo did not start");
        _ = Task.Run(async () => { while (await process.StandardOutput.ReadLineAsync() is not null) { } });
        return new SiloUnderTest(process, dataDir, admin, control);
    }

    /// <summary>Resident set size of the silo process (VmRSS).</summary>
    public long RssBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            if (line.StartsWith("VmRSS:"))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        return 0;
    }

    /// <summary>The lowest of five RSS samples 200 ms apart: transient buffers and GC timing inflate single samples.</summary>
    public async Task<long> SettledRssAsync()
    {
        var min = long.MaxValue;
        for (var i = 0; i < 5; i++)
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
        Directory.Delete(_dataDir, recursive: true);
    }
}
