using Spectre.Console;

namespace Mesh.Cli.Output;

/// <summary>Where commands write. Stdout carries only the command's result (so `-o json` output is machine-readable);
/// notes and errors go to stderr. Tests substitute string writers.</summary>
internal interface IConsoleOutput
{
    /// <summary>Stdout as plain text: JSON, YAML and one-line results.</summary>
    TextWriter Out { get; }

    /// <summary>Stdout for tables and other renderables; emits colour only when stdout is a terminal.</summary>
    IAnsiConsole Ansi { get; }

    /// <summary>Stderr as plain text (usage after a parse error).</summary>
    TextWriter ErrorWriter { get; }

    /// <summary>Writes "error: &lt;message&gt;" to stderr.</summary>
    void Error(string message);

    /// <summary>Writes a human note to stderr (hints, "no resources found", watch progress).</summary>
    void Note(string message);
}
