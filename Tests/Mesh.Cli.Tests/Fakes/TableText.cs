namespace Mesh.Cli.Tests.Fakes;

/// <summary>Reads the CLI's borderless tables back as cells (columns are separated by runs of spaces; no cell holds one).</summary>
internal static class TableText
{
    public static List<string[]> Rows(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(cells => cells.Length > 0)
            .ToList();

    public static List<string> Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
}
