using Spectre.Console;

namespace Mesh.Cli.Output;

/// <summary>kubectl-style tables: no borders, columns two spaces apart, cells never wrapped or markup-parsed.</summary>
internal static class Tables
{
    /// <summary>A table with these headers; <paramref name="indent"/> spaces before the first column.</summary>
    public static Table Create(IEnumerable<string> headers, int indent = 0)
    {
        var table = new Table { Border = TableBorder.None, ShowHeaders = true };
        foreach (var header in headers)
        {
            var left = table.Columns.Count == 0 ? indent : 0;
            table.AddColumn(new TableColumn(new Text(header, new Style(decoration: Decoration.Bold))) { NoWrap = true, Padding = new Padding(left, 0, 3, 0) });
        }
        return table;
    }

    public static void AddRow(Table table, IEnumerable<string> cells) =>
        table.AddRow(cells.Select(c => (Spectre.Console.Rendering.IRenderable)new Text(c.Length == 0 ? "-" : c)).ToArray());
}
