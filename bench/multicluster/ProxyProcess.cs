using System.Diagnostics;

namespace Mesh.Bench.Multicluster;

/// <summary>A mesh-proxy process (a sidecar or a gateway) certified by a silo with a workload token: $MESH_PROXY_BIN
/// when set (an AOT build, say), else the JIT mesh-proxy.dll built next to the benchmark. Started when it printed
/// "mesh-proxy: ready" (certificate issued, discovery connected); killed on dispose.</summary>
internal sealed class ProxyProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    private ProxyProcess(Process process) => _process = process;

    public static string Binary => Environment.GetEnvironmentVariable("MESH_PROXY_BIN") is { Length: > 0 } bin
        ? bin
        : Path.Combine(AppContext.BaseDirectory, "mesh-proxy.dll");

    public static async Task<ProxyProcess> StartAsync(string name, string token, IEnumerable<string> args)
    {
        var dll = Binary.EndsWith(".dll", StringComparison.Ordinal);
        var psi = new ProcessStartInfo(dll ? "dotnet" : Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (dll) psi.ArgumentList.Add(Binary);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["MESH_PROXY_TOKEN"] = token;
        var proxy = new ProxyProcess(Process.Start(psi)!);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = proxy.DrainAsync(proxy._process.StandardOutput, ready);
        _ = proxy.DrainAsync(proxy._process.StandardError, ready);
        var exited = proxy._process.WaitForExitAsync();
        var first = await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(90)));
        if (first == ready.Task) return proxy;
        await proxy.DisposeAsync();
        string output;
        lock (proxy._output) output = string.Join("\n", proxy._output.TakeLast(20));
        throw new InvalidOperationException($"{name} (mesh-proxy) {(first == exited ? "exited" : "was not ready within 90 s")}:\n{output}");
    }

    private async Task DrainAsync(StreamReader reader, TaskCompletionSource ready)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (_output) { if (_output.Count < 200) _output.Add(line); }
            if (line.StartsWith("mesh-proxy: ready", StringComparison.Ordinal)) ready.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
