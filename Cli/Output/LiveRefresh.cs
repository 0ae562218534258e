using Spectre.Console;
using Spectre.Console.Rendering;

namespace Mesh.Cli.Output;

/// <summary>Redraws a view every period until Ctrl-C: in place (Spectre Live) on a terminal, as repeated blocks
/// separated by a blank line when stdout is a pipe or file (so logs keep every frame).</summary>
internal static class LiveRefresh
{
    /// <summary>Renders frames until <paramref name="ct"/> is cancelled. A silo that stops answering after the first
    /// frame is reported on stderr and retried; one that never answered ends the command (exit 2).</summary>
    public static async Task RunAsync(IConsoleOutput console, Func<CancellationToken, Task<IRenderable>> frame, TimeSpan period, CancellationToken ct)
    {
        var first = await frame(ct);
        if (console.Ansi.Profile.Capabilities.Interactive)
        {
            await console.Ansi.Live(first).AutoClear(false).StartAsync(live => RepeatAsync(console, async c =>
            {
                live.UpdateTarget(await frame(c));
                live.Refresh();
            }, period, ct));
            return;
        }

        console.Ansi.Write(first);
        console.Out.Flush();
        await RepeatAsync(console, async c =>
        {
            var next = await frame(c);
            console.Out.WriteLine();
            console.Ansi.Write(next);
            console.Out.Flush();
        }, period, ct);
    }

    /// <summary>Runs <paramref name="step"/> every <paramref name="period"/> until Ctrl-C; a failed step (silo gone for
    /// a moment) is noted on stderr and retried at the next period.</summary>
    public static async Task RepeatAsync(IConsoleOutput console, Func<CancellationToken, Task> step, TimeSpan period, CancellationToken ct)
    {
        while (await WaitAsync(period, ct))
        {
            try
            {
                await step(ct);
            }
            catch (CliException e) when (!ct.IsCancellationRequested)
            {
                console.Note($"refresh failed: {e.Lines[0]}; retrying");
            }
        }
    }

    private static async Task<bool> WaitAsync(TimeSpan period, CancellationToken ct)
    {
        try
        {
            await Task.Delay(period, ct);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
