namespace Mesh.Cli;

/// <summary>A failure a command reports to the user: one or more `error:` lines, an optional hint, and an exit code.
/// Commands throw it; <see cref="CommandRunner"/> prints it, so every verb reports errors the same way.</summary>
internal class CliException(IReadOnlyList<string> lines, int exitCode, string? hint = null) : Exception(string.Join(Environment.NewLine, lines))
{
    public CliException(string message, int exitCode = ExitCodes.UserError, string? hint = null) : this([message], exitCode, hint) { }

    /// <summary>Printed as "error: &lt;line&gt;" on stderr.</summary>
    public IReadOnlyList<string> Lines { get; } = lines;

    public int ExitCode { get; } = exitCode;

    /// <summary>How to fix it; printed after the error lines.</summary>
    public string? Hint { get; } = hint;
}
