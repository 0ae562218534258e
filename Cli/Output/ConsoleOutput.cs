using Spectre.Console;

namespace Mesh.Cli.Output;

/// <summary>The real (or string-backed) console: colour only when the stream is a terminal and NO_COLOR is unset.</summary>
internal sealed class ConsoleOutput : IConsoleOutput
{
    // Wide enough that redirected tables never wrap: scripts grep whole lines.
    private const int RedirectedWidth = 4096;

    private readonly bool _errorColour;

    public ConsoleOutput(TextWriter output, TextWriter error, bool outputIsTerminal, bool errorIsTerminal, bool noColour)
    {
        Out = output;
        ErrorWriter = error;
        _errorColour = errorIsTerminal && !noColour;
        var colour = outputIsTerminal && !noColour;
        Ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = colour ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = colour ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = outputIsTerminal ? InteractionSupport.Yes : InteractionSupport.No,
        });
        if (!outputIsTerminal)
            Ansi.Profile.Width = RedirectedWidth;
    }

    /// <summary>The process console; a redirected stream counts as "not a terminal".</summary>
    public static ConsoleOutput FromProcess() => new(
        Console.Out, Console.Error,
        outputIsTerminal: !Console.IsOutputRedirected,
        errorIsTerminal: !Console.IsErrorRedirected,
        noColour: !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")));

    public TextWriter Out { get; }

    public IAnsiConsole Ansi { get; }

    public TextWriter ErrorWriter { get; }

    public void Error(string message) =>
        ErrorWriter.WriteLine(_errorColour ? $"\u001b[31merror:\u001b[0m {message}" : $"error: {message}");

    public void Note(string message) =>
        ErrorWriter.WriteLine(_errorColour ? $"\u001b[2m{message}\u001b[0m" : message);
}
