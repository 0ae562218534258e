using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Threading.Channels;

namespace Mesh.Cli.Local;

/// <summary>A process `mesh` started (silo, sidecar, app): its output lines are kept for waiting on and optionally
/// echoed with a prefix; disposing stops it (SIGTERM, then SIGKILL after a grace period) with its children.</summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly Channel<string> lines = Channel.CreateUnbounded<string>();
    private readonly List<string> history = [];
    private readonly TextWriter? echo;
    private readonly string prefix;

    private ChildProcess(Process process, string name, TextWriter? echo)
    {
        this.process = process;
        this.echo = echo;
        prefix = name.Length == 0 ? "" : $"[{name}] ";
        Name = name;
    }

    public string Name { get; }
    public int Id => process.Id;
    public bool HasExited => process.HasExited;
    public int? ExitCode => process.HasExited ? process.ExitCode : null;

    /// <summary>Everything the process printed so far (stdout and stderr interleaved).</summary>
    public IReadOnlyList<string> Output { get { lock (history) return history.ToArray(); } }

    public static ChildProcess Start(string name, string fileName, IEnumerable<string> args,
        IReadOnlyDictionary<string, string?>? env = null, TextWriter? echo = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        if (env is not null)
            foreach (var (k, v) in env)
            {
                if (v is null) info.Environment.Remove(k);
                else info.Environment[k] = v;
            }
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process, name, echo);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        process.Exited += (_, _) => child.lines.Writer.TryComplete();
        if (!process.Start()) throw new InvalidOperationException($"could not start {fileName}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (history) history.Add(line);
        lines.Writer.TryWrite(line);
        echo?.WriteLine(prefix.Length == 0 ? line : prefix + line);
    }

    /// <summary>Waits for an output line matching <paramref name="pattern"/>; fails with the output so far if the
    /// process exits or the timeout passes first.</summary>
    public async Task<Match> WaitForLineAsync(Regex pattern, TimeSpan timeout, CancellationToken ct = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            await foreach (var line in lines.Reader.ReadAllAsync(cts.Token))
            {
                var m = pattern.Match(line);
                if (m.Success) return m;
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"{Name} did not print /{pattern}/ within {timeout.TotalSeconds:0}s; output:\n{string.Join('\n', Output.TakeLast(30))}");
        }
        throw new InvalidOperationException($"{Name} exited (code {ExitCode}) before printing /{pattern}/; output:\n{string.Join('\n', Output.TakeLast(30))}");
    }

    public Task WaitForExitAsync(CancellationToken ct) => process.WaitForExitAsync(ct);

    /// <summary>Asks the process to stop (SIGTERM) and kills it if it has not exited within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (process.HasExited) return;
        try
        {
            if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) _ = Posix.Kill(process.Id, Posix.SigTerm);
            else process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { return; }
        using var cts = new CancellationTokenSource(grace);
        try { await process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(5));
        process.Dispose();
    }
}

internal static class Posix
{
    public const int SigTerm = 15;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static extern int Kill(int pid, int signal);
}
