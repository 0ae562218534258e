using System.Diagnostics;
using System.Net;

namespace Mesh.Proxy.Tests.Infrastructure;

/// <summary>A child process whose stdout lines are collected; killed (by its own id) on dispose.</summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Lock _gate = new();

    /// <summary>The published proxy next to the tests (MESH_PROXY_BIN overrides: e.g. the Native AOT build).</summary>
    public static string ProxyBin => Environment.GetEnvironmentVariable("MESH_PROXY_BIN") is { Length: > 0 } p ? p : Path.Combine(AppContext.BaseDirectory, "mesh-proxy");

    public ChildProcess(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        _process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_gate) _lines.Add(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_gate) _lines.Add("err: " + e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output { get { lock (_gate) return string.Join('\n', _lines); } }

    public Task WaitForLineAsync(string text, TimeSpan timeout) =>
        Poll.UntilAsync(() => { lock (_gate) return _lines.Any(l => l.Contains(text, StringComparison.Ordinal)) || _process.HasExited; }, timeout, $"'{text}' from {_process.StartInfo.FileName}")
            .ContinueWith(t =>
            {
                if (t.IsFaulted || _process.HasExited && !Output.Contains(text, StringComparison.Ordinal))
                    throw new InvalidOperationException($"process did not print '{text}'; output:\n{Output}");
            }, TaskScheduler.Default);

    /// <summary>The address a proxy printed for a listener ("mesh-proxy: inbound 127.0.0.1:4143" → that endpoint).</summary>
    public IPEndPoint ListenerAddress(string listener)
    {
        var prefix = $"mesh-proxy: {listener} ";
        lock (_gate)
        {
            var line = _lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) ?? throw new InvalidOperationException($"no '{prefix}' line in:\n{string.Join('\n', _lines)}");
            return IPEndPoint.Parse(line[prefix.Length..]);
        }
    }

    /// <summary>Runs a command to completion; returns exit code and combined output.</summary>
    public static async Task<(int Code, string Output)> RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout + await stderr);
    }

    public void Dispose()
    {
        try { if (!_process.HasExited) { _process.Kill(); _process.WaitForExit(5000); } }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
