using System.Collections.Immutable;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Mesh.Abstractions.Resources.Syntax;

/// <summary>Reads a multi-document YAML text into <see cref="Node"/> trees with positions, resolving anchors and
/// rejecting duplicate keys, complex keys and alias expansion beyond <see cref="MaxNodes"/>.</summary>
internal static class YamlSource
{
    /// <summary>Most nodes one document may expand to; a 4 MiB text of plain YAML stays far below it.</summary>
    public const long MaxNodes = 1_000_000;

    /// <summary>Deepest nesting accepted; resources nest about ten levels, and the readers recurse.</summary>
    public const int MaxDepth = 64;

    public static ImmutableArray<SourceDocument> Read(string text)
    {
        var docs = ImmutableArray.CreateBuilder<SourceDocument>();
        var scanner = new Scanner(new StringReader(text));
        var parser = new Parser(scanner);
        var number = 0;
        try
        {
            parser.Consume<StreamStart>();
            while (!parser.Accept<StreamEnd>(out _))
            {
                parser.Consume<DocumentStart>();
                number++;
                var anchors = new Dictionary<string, Node>(StringComparer.Ordinal);
                Node? root = parser.Accept<DocumentEnd>(out _) ? null : ReadNode(parser, anchors, number, 0);
                parser.Consume<DocumentEnd>();
                if (root is ScalarNode { IsNull: true }) root = null;
                docs.Add(new SourceDocument(number, root));
            }
        }
        catch (YamlException e)
        {
            throw Positioned(e, text, Math.Max(number, 1));
        }
        catch (Exception e) when (e is not SyntaxException && e.TargetSite?.DeclaringType?.Assembly == typeof(Parser).Assembly)
        {
            // YamlDotNet's scanner throws a bare InvalidOperationException where a plain scalar inside '{…}' or '[…]'
            // runs onto a line indented less than the block around it: an unclosed flow collection, as users write it.
            var at = scanner.CurrentPosition;
            throw new SyntaxException(Math.Max(number, 1), (int)at.Line, (int)at.Column, e.TargetSite?.Name == "ScanPlainScalar"
                ? "a '{…}' or '[…]' is still open here, on a line indented less than the block it is in: is a '}' or ']' missing?"
                : $"not valid YAML here ({e.Message.TrimEnd('.')})");
        }
        return docs.ToImmutable();
    }

    private static Node ReadNode(IParser parser, Dictionary<string, Node> anchors, int doc, int depth)
    {
        var start = parser.Current!.Start;
        int line = (int)start.Line, col = (int)start.Column;
        if (depth > MaxDepth)
            throw new SyntaxException(doc, line, col, $"nested deeper than {MaxDepth} levels");
        if (parser.TryConsume<AnchorAlias>(out var alias))
        {
            if (!anchors.TryGetValue(alias.Value.Value, out var target))
                throw new SyntaxException(doc, line, col, $"unknown alias *{alias.Value.Value}");
            return target;
        }
        if (parser.TryConsume<Scalar>(out var scalar))
        {
            var node = new ScalarNode(scalar.Value, scalar.Style == ScalarStyle.Plain, line, col);
            Remember(anchors, scalar.Anchor, node);
            return node;
        }
        if (parser.TryConsume<SequenceStart>(out var seqStart))
        {
            var items = ImmutableArray.CreateBuilder<Node>();
            long size = 1;
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                var item = ReadNode(parser, anchors, doc, depth + 1);
                size = Grow(size, item, doc, line, col);
                items.Add(item);
            }
            var node = new SequenceNode(items.ToImmutable(), line, col, size);
            Remember(anchors, seqStart.Anchor, node);
            return node;
        }
        if (parser.TryConsume<MappingStart>(out var mapStart))
        {
            var entries = ImmutableArray.CreateBuilder<KeyValuePair<string, Node>>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            long size = 1;
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var keyMark = parser.Current!.Start;
                var key = ReadNode(parser, anchors, doc, depth + 1);
                if (key is not ScalarNode k)
                    throw new SyntaxException(doc, (int)keyMark.Line, (int)keyMark.Column, "mapping keys must be plain strings");
                if (k.Value == "<<")
                    throw new SyntaxException(doc, k.Line, k.Column, "merge keys (<<) are not supported; write the fields out");
                if (!seen.Add(k.Value))
                    throw new SyntaxException(doc, k.Line, k.Column, $"duplicate key \"{k.Value}\"");
                var value = ReadNode(parser, anchors, doc, depth + 1);
                size = Grow(size, value, doc, line, col);
                entries.Add(new(k.Value, value));
            }
            var node = new MappingNode(entries.ToImmutable(), line, col, size);
            Remember(anchors, mapStart.Anchor, node);
            return node;
        }
        throw new SyntaxException(doc, line, col, $"unexpected {parser.Current?.GetType().Name ?? "end of input"}");
    }

    private static long Grow(long size, Node child, int doc, int line, int col)
    {
        size += child.Size;
        if (size > MaxNodes)
            throw new SyntaxException(doc, line, col, $"this document expands to more than {MaxNodes} values (YAML aliases?); write it out plainly");
        return size;
    }

    private static void Remember(Dictionary<string, Node> anchors, AnchorName anchor, Node node)
    {
        if (!anchor.IsEmpty) anchors[anchor.Value] = node;
    }

    /// <summary>A YamlDotNet error at the place it was found (End; Start is where the enclosing construct began, named in the
    /// message when it is elsewhere), except at the end of the text, where what is left open is the news. A tab in indentation is reported on its own line: YamlDotNet places it at the start
    /// of the enclosing mapping, or reports what the tab did to the structure instead.</summary>
    private static SyntaxException Positioned(YamlException e, string text, int doc)
    {
        var start = e.Start;
        var atEnd = e.Message.Contains("end of stream", StringComparison.OrdinalIgnoreCase);
        var end = !atEnd && (e.End.Line > e.Start.Line || e.End.Line == e.Start.Line && e.End.Column > e.Start.Column) ? e.End : e.Start;
        var aboutTab = e.Message.Contains("tab", StringComparison.OrdinalIgnoreCase);
        if (TabIndentedLine(text, (int)start.Line, aboutTab ? int.MaxValue : (int)end.Line) is { } tab)
            return new SyntaxException(doc, tab, 1, "indented with a tab; YAML indents with spaces only");
        var message = Clean(e);
        if (start.Line > 0 && start.Line != end.Line)
            message += $" (it starts at line {start.Line}, column {start.Column})";
        return new SyntaxException(doc, (int)end.Line, (int)end.Column, message);
    }

    /// <summary>The first line in <paramref name="from"/>..<paramref name="to"/> whose indentation holds a tab, or null.</summary>
    private static int? TabIndentedLine(string text, int from, int to)
    {
        var line = 1;
        var atLineStart = true;
        foreach (var c in text)
        {
            if (line > to) break;
            if (c == '\n') { line++; atLineStart = true; continue; }
            if (!atLineStart) continue;
            if (c == '\t' && line >= from) return line;
            if (c != ' ') atLineStart = false;
        }
        return null;
    }

    /// <summary>YamlDotNet prefixes its messages with the marks; we print the position ourselves.</summary>
    private static string Clean(YamlException e)
    {
        var message = e.Message;
        var i = message.IndexOf("): ", StringComparison.Ordinal);
        if (message.StartsWith('(') && i > 0) message = message[(i + 3)..];
        return message.TrimEnd('.');
    }
}
