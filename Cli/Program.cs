using Mesh.Cli;

// Ctrl-C cancels the running command (a watch stops with exit 0); a second Ctrl-C ends the process at once.
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (cancellation.IsCancellationRequested)
        return;
    e.Cancel = true;
    cancellation.Cancel();
};
return await MeshCli.InvokeAsync(args, CliContext.FromProcess(), cancellation.Token);
