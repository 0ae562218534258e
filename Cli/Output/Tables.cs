using Spectre.Console;

namespace Mesh.Cli.Output;

/// <summary>kubectl-style tables: no borders, columns two spaces apart, cells never wrapped or markup-parsed.</summary>
internal static class Tables
{
    public static Table Create(IEnumerable<string> headers)
    {
        var table = new Table { Border = TableBorder.None, ShowHeaders = true };
        foreach (var header in headers)
            table.AddColumn(new TableColumn(new Text(header, new Style(decoration: Decoration.Bold))) { NoWrap = true, Padding = new Padding(0, 0, 3, 0) });
        return table;
    }

    /// <summary>The table shifted right by <paramref name="spaces"/> (tables nested under a heading).</summary>
    public static Padder Indent(Table table, int spaces) => new(table, new Padding(spaces, 0, 0, 0));

    public static void AddRow(Table table, IEnumerable<string> cells) =>
        table.AddRow(cells.Select(c => (Spectre.Console.Rendering.IRenderable)new Text(c.Length == 0 ? "-" : c)).ToArray());
}
