using System.Collections.Immutable;
using System.Text.Json;

namespace Mesh.Abstractions.Resources.Syntax;

/// <summary>Reads a JSON text (one object, or an array of objects = one document each) into <see cref="Node"/> trees.
/// Used when the text starts with '{' or '[' so JSON syntax errors read as JSON errors, not YAML ones.</summary>
internal static class JsonSource
{
    public static ImmutableArray<SourceDocument> Read(string text)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 64, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            var line = (int)(e.LineNumber ?? 0) + 1;
            var col = (int)(e.BytePositionInLine ?? 0) + 1;
            throw new SyntaxException(1, line, col, JsonMessage(e));
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind == JsonValueKind.Array)
            {
                var docs = ImmutableArray.CreateBuilder<SourceDocument>();
                var n = 0;
                foreach (var item in doc.RootElement.EnumerateArray())
                {
                    n++;
                    docs.Add(new SourceDocument(n, Convert(item, n)));
                }
                return docs.ToImmutable();
            }
            return [new SourceDocument(1, Convert(doc.RootElement, 1))];
        }
    }

    private static Node Convert(JsonElement e, int docNumber) => e.ValueKind switch
    {
        JsonValueKind.Object => Map(e, docNumber),
        JsonValueKind.Array => Seq(e, docNumber),
        JsonValueKind.String => new ScalarNode(e.GetString()!, false, 0, 0),
        JsonValueKind.Null => new ScalarNode("null", true, 0, 0),
        _ => new ScalarNode(e.GetRawText(), true, 0, 0),
    };

    private static MappingNode Map(JsonElement e, int docNumber)
    {
        var entries = ImmutableArray.CreateBuilder<KeyValuePair<string, Node>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long size = 1;
        foreach (var p in e.EnumerateObject())
        {
            if (!seen.Add(p.Name))
                throw new SyntaxException(docNumber, 0, 0, $"duplicate key \"{p.Name}\"");
            var value = Convert(p.Value, docNumber);
            size += value.Size;
            entries.Add(new(p.Name, value));
        }
        return new MappingNode(entries.ToImmutable(), 0, 0, size);
    }

    private static SequenceNode Seq(JsonElement e, int docNumber)
    {
        var items = ImmutableArray.CreateBuilder<Node>();
        long size = 1;
        foreach (var i in e.EnumerateArray())
        {
            var value = Convert(i, docNumber);
            size += value.Size;
            items.Add(value);
        }
        return new SequenceNode(items.ToImmutable(), 0, 0, size);
    }

    /// <summary>System.Text.Json appends "Path: $ | LineNumber: …" to its messages; we print the position ourselves.</summary>
    private static string JsonMessage(JsonException e)
    {
        var message = e.Message;
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut < 0) cut = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        return "invalid JSON: " + (cut > 0 ? message[..cut] : message).TrimEnd('.', ' ');
    }
}
