using System.Diagnostics;
using System.Net.Http.Headers;

namespace Mesh.ControlPlane.Tests.Support;

/// <summary>A real mesh-silo process (the built mesh-silo.dll next to the tests), started with MESH_* variables and
/// free ports; waits for its "mesh-silo: ready" line and parses the listener lines. Killed on dispose.</summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _output = [];

    private SiloProcess(Process process, string dataDir)
    {
        _process = process;
        DataDir = dataDir;
    }

    public string DataDir { get; }
    public Uri Admin { get; private set; } = null!;
    public Uri Control { get; private set; } = null!;
    public int Pid => _process.Id;
    public string Output { get { lock (_output) return string.Join("\n", _output); } }

    public static async Task<SiloProcess> StartAsync(IReadOnlyDictionary<string, string> environment)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "mesh-silo.dll");
        var dataDir = Directory.CreateTempSubdirectory("mesh-silo-proc-").FullName;
        var psi = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll },
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.Environment["MESH_ADMIN_ADDR"] = "127.0.0.1:0";
        psi.Environment["MESH_CONTROL_ADDR"] = "127.0.0.1:0";
        psi.Environment["MESH_DATA_DIR"] = dataDir;
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        var silo = new SiloProcess(Process.Start(psi)!, dataDir);
        silo._process.OutputDataReceived += (_, e) => silo.OnLine(e.Data);
        silo._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (silo._output) silo._output.Add("err: " + e.Data); };
        silo._process.BeginOutputReadLine();
        silo._process.BeginErrorReadLine();
        try
        {
            await silo._ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            var output = silo.Output;
            await silo.DisposeAsync();
            throw new TimeoutException($"mesh-silo did not print ready within 60 s; output:\n{output}");
        }
        return silo;
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            _ready.TrySetException(new InvalidOperationException($"mesh-silo exited before ready:\n{Output}"));
            return;
        }
        lock (_output) _output.Add(line);
        if (line.StartsWith("mesh-silo: admin ")) Admin = new Uri(line["mesh-silo: admin ".Length..]);
        else if (line.StartsWith("mesh-silo: control ")) Control = new Uri(line["mesh-silo: control ".Length..]);
        else if (line == "mesh-silo: ready") _ready.TrySetResult();
    }

    public HttpClient AdminClient()
    {
        var client = new HttpClient { BaseAddress = Admin, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            File.ReadAllText(Path.Combine(DataDir, "admin-token")).Trim());
        return client;
    }

    /// <summary>SIGKILL: the silo gets no chance to leave the cluster cleanly.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM and wait for a clean exit.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        _ = Kill(_process.Id, 15);
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    /// <summary>Waits for the process to exit on its own; its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    public bool HasExited => _process.HasExited;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
        try { Directory.Delete(DataDir, recursive: true); } catch (IOException) { }
    }
}
