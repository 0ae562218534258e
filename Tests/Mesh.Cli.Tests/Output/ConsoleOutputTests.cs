using Mesh.Cli.Output;

namespace Mesh.Cli.Tests.Output;

public sealed class ConsoleOutputTests
{
    private static (ConsoleOutput Console, StringWriter Out, StringWriter Err) Create(bool terminal, bool noColour)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        return (new ConsoleOutput(output, error, terminal, terminal, noColour), output, error);
    }

    private static void WriteTableAndError(ConsoleOutput console)
    {
        var table = Tables.Create(["NAME", "READY"]);
        Tables.AddRow(table, ["books", "true"]);
        console.Ansi.Write(table);
        console.Error("boom");
    }

    [Fact]
    public void Write_Terminal_UsesAnsiColourAndBold()
    {
        var (console, output, error) = Create(terminal: true, noColour: false);

        WriteTableAndError(console);

        Assert.Contains("\u001b[", output.ToString());
        Assert.StartsWith("\u001b[31merror:\u001b[0m boom", error.ToString());
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Write_RedirectedOrNoColour_WritesPlainText(bool terminal, bool noColour)
    {
        var (console, output, error) = Create(terminal, noColour);

        WriteTableAndError(console);

        Assert.DoesNotContain("\u001b", output.ToString());
        Assert.Equal("error: boom", error.ToString().TrimEnd());
        Assert.Matches(@"^NAME\s+READY\s*\nbooks\s+true", output.ToString().Replace("\r", ""));
    }

    [Fact]
    public void Write_RedirectedLongRow_IsNotWrapped()
    {
        var (console, output, _) = Create(terminal: false, noColour: true);
        var table = Tables.Create(["NAME", "VALUE"]);
        var wide = new string('x', 300);
        Tables.AddRow(table, ["a", wide]);

        console.Ansi.Write(table);

        Assert.Contains(wide, output.ToString());
    }
}
