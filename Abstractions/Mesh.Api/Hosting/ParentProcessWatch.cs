namespace Mesh.Api.Hosting;

/// <summary>Lets a process that `mesh demo` or `mesh run` started stop when its starter is gone — even one killed with
/// SIGKILL, which cannot clean up — so no sidecar, app or silo is left behind. The starter names itself in
/// MESH_PARENT_PID; without it nothing is watched.</summary>
public static class ParentProcessWatch
{
    public const string Variable = "MESH_PARENT_PID";

    /// <summary>A token cancelled once the parent process no longer exists (checked every second); never cancelled
    /// when MESH_PARENT_PID is unset or the platform has no /proc.</summary>
    public static CancellationToken Start()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable(Variable), out var pid) || pid <= 0 || !Directory.Exists("/proc"))
            return CancellationToken.None;
        var gone = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            while (await timer.WaitForNextTickAsync())
            {
                if (Directory.Exists($"/proc/{pid}")) continue;
                await gone.CancelAsync();
                return;
            }
        });
        return gone.Token;
    }
}
