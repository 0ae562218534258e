using System.Collections.Immutable;

namespace Mesh.Abstractions.Resources.Syntax;

/// <summary>A parsed YAML/JSON value with where it started (1-based; 0 when the source gives no position).
/// Size counts the nodes this value expands to, so alias bombs are caught before anything walks them.</summary>
internal abstract record Node(int Line, int Column, long Size);

/// <summary>A scalar. Plain is true for unquoted YAML scalars and JSON numbers/booleans/null; only plain scalars
/// may be numbers, booleans or null, as in Kubernetes ("8080" quoted is a string).</summary>
internal sealed record ScalarNode(string Value, bool Plain, int Line, int Column) : Node(Line, Column, 1)
{
    public bool IsNull => Plain && Value is "" or "~" or "null" or "Null" or "NULL";
}

internal sealed record SequenceNode(ImmutableArray<Node> Items, int Line, int Column, long Size) : Node(Line, Column, Size);

/// <summary>A mapping with string keys in source order (duplicates are rejected by the readers).</summary>
internal sealed record MappingNode(ImmutableArray<KeyValuePair<string, Node>> Entries, int Line, int Column, long Size)
    : Node(Line, Column, Size)
{
    public Node? Get(string key)
    {
        foreach (var e in Entries)
            if (e.Key == key) return e.Value;
        return null;
    }
}

/// <summary>One document of a text: its 1-based number and its root (null for an empty document).</summary>
internal sealed record SourceDocument(int Number, Node? Root);

/// <summary>A syntax error at a position; the parser reports it as "doc N: line L, column C: message".</summary>
internal sealed class SyntaxException(int document, int line, int column, string message) : Exception(message)
{
    public int Document { get; } = document;
    public int Line { get; } = line;
    public int Column { get; } = column;
}
