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
// SIGTERM (a supervisor, a test's cleanup) stops the command the same way, so `mesh run` and `mesh demo` stop
// the processes they started.
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    cancellation.Cancel();
});
return await MeshCli.InvokeAsync(args, CliContext.FromProcess(), cancellation.Token);
