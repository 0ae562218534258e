using Mesh.Cli.Output;

namespace Mesh.Cli;

/// <summary>Runs the silo in this process with the given environment overrides and arguments; returns its exit code.</summary>
internal delegate Task<int> SiloRunner(IReadOnlyDictionary<string, string> environment, string[] args, CancellationToken cancellationToken);

/// <summary>Everything a command touches outside itself: console, environment, home directory, stdin, the silo host.
/// The process builds it from the real world (<see cref="FromProcess"/>); tests build it from fakes.</summary>
internal sealed record CliContext(IConsoleOutput Console, Func<string, string?> GetEnvironmentVariable, string HomeDirectory, TextReader Stdin)
{
    /// <summary>Hosts the silo for `mesh silo`.</summary>
    public SiloRunner RunSilo { get; init; } = RunSiloInProcess;

    /// <summary>How long an admin API call may take before the silo counts as unreachable.</summary>
    public TimeSpan RequestTimeout { get; init; } = DefaultRequestTimeout;

    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(30);

    public static CliContext FromProcess() => new(
        ConsoleOutput.FromProcess(),
        Environment.GetEnvironmentVariable,
        Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
        System.Console.In);

    private static Task<int> RunSiloInProcess(IReadOnlyDictionary<string, string> environment, string[] args, CancellationToken cancellationToken)
    {
        // The silo reads its settings from MESH_* variables; flags become variables for this process only.
        foreach (var (name, value) in environment)
            Environment.SetEnvironmentVariable(name, value);
        return Mesh.Silo.SiloProgram.RunAsync(args);
    }
}
