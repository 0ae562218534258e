using System.Collections.Immutable;
using System.Text;
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
                    docs.Add(new SourceDocument(n, Convert(item, n, text)));
                }
                return docs.ToImmutable();
            }
            return [new SourceDocument(1, Convert(doc.RootElement, 1, text))];
        }
    }

    private static Node Convert(JsonElement e, int docNumber, string text) => e.ValueKind switch
    {
        JsonValueKind.Object => Map(e, docNumber, text),
        JsonValueKind.Array => Seq(e, docNumber, text),
        JsonValueKind.String => new ScalarNode(e.GetString()!, false, 0, 0),
        JsonValueKind.Null => new ScalarNode("null", true, 0, 0),
        _ => new ScalarNode(e.GetRawText(), true, 0, 0),
    };

    private static MappingNode Map(JsonElement e, int docNumber, string text)
    {
        var entries = ImmutableArray.CreateBuilder<KeyValuePair<string, Node>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long size = 1;
        foreach (var p in e.EnumerateObject())
        {
            if (!seen.Add(p.Name))
            {
                var (line, column) = FirstDuplicateKey(text);
                throw new SyntaxException(docNumber, line, column, $"duplicate key \"{p.Name}\"");
            }
            var value = Convert(p.Value, docNumber, text);
            size += value.Size;
            entries.Add(new(p.Name, value));
        }
        return new MappingNode(entries.ToImmutable(), 0, 0, size);
    }

    private static SequenceNode Seq(JsonElement e, int docNumber, string text)
    {
        var items = ImmutableArray.CreateBuilder<Node>();
        long size = 1;
        foreach (var i in e.EnumerateArray())
        {
            var value = Convert(i, docNumber, text);
            size += value.Size;
            items.Add(value);
        }
        return new SequenceNode(items.ToImmutable(), 0, 0, size);
    }

    /// <summary>Line and column of the first repeated property name, read again token by token (JsonDocument keeps no
    /// positions); (0, 0) if the reader cannot tell. Runs only when a duplicate was already found.</summary>
    private static (int Line, int Column) FirstDuplicateKey(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 });
        var objects = new Stack<HashSet<string>?>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject: objects.Push(new HashSet<string>(StringComparer.Ordinal)); break;
                    case JsonTokenType.StartArray: objects.Push(null); break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray: objects.Pop(); break;
                    case JsonTokenType.PropertyName when !objects.Peek()!.Add(reader.GetString()!):
                        var at = (int)reader.TokenStartIndex;
                        var lineStart = bytes.AsSpan(0, at).LastIndexOf((byte)'\n') + 1;
                        return (bytes.AsSpan(0, at).Count((byte)'\n') + 1, at - lineStart + 1);
                }
            }
        }
        catch (JsonException)
        {
        }
        return (0, 0);
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
