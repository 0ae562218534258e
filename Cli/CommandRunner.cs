using Mesh.Cli.Output;

namespace Mesh.Cli;

/// <summary>Runs a command body and turns what it throws into `error:` lines and an exit code, in one place.</summary>
internal static class CommandRunner
{
    public static async Task<int> RunAsync(IConsoleOutput console, Func<Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body();
        }
        catch (CliException e)
        {
            foreach (var line in e.Lines)
                console.Error(line);
            if (e.Hint is not null)
                console.Note(e.Hint);
            return e.ExitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl-C: the user asked to stop; not a failure.
            return ExitCodes.Ok;
        }
    }
}
