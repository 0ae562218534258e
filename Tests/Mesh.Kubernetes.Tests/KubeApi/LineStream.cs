using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace Mesh.Kubernetes.Tests.KubeApi;

/// <summary>A running child process whose stdout lines are queued as they come, to wait on with a deadline.</summary>
internal sealed class LineStream : IDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly StringBuilder _stderr = new();

    public LineStream(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _lines.Writer.TryWrite(e.Data); else _lines.Writer.TryComplete(); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stderr) _stderr.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>Reads lines until one satisfies <paramref name="match"/>; fails with what was seen after the deadline.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan deadline, List<string> seen)
    {
        using var cts = new CancellationTokenSource(deadline);
        try
        {
            while (await _lines.Reader.WaitToReadAsync(cts.Token))
                while (_lines.Reader.TryRead(out var line))
                {
                    seen.Add(line);
                    if (match(line)) return line;
                }
        }
        catch (OperationCanceledException) { }
        Assert.Fail($"no matching line within {deadline.TotalSeconds} s; saw:\n{string.Join('\n', seen)}\nstderr:\n{Stderr}");
        return "";
    }

    public void Dispose()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _process.WaitForExit(5000);
        _process.Dispose();
    }
}
