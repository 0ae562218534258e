using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;
using Mesh.Abstractions.Resources;
using Mesh.Abstractions.Resources.Syntax;

namespace Mesh.Injection;

/// <summary>Manifests as text: read with the resource parser's YAML/JSON reader (positions, duplicate keys, alias
/// bombs), values typed as Kubernetes reads YAML (plain <c>8080</c> is a number, <c>"8080"</c> a string), and written
/// back as multi-document YAML or JSON.</summary>
public static class ManifestText
{
    /// <summary>The documents of a text (empty documents dropped), each with its 1-based number; a syntax error throws
    /// <see cref="ManifestException"/> with the document, line and column.</summary>
    public static ImmutableArray<(int Number, JsonNode Document)> Read(string text)
    {
        ImmutableArray<SourceDocument> docs;
        try
        {
            var start = text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
            docs = start.StartsWith('{') || start.StartsWith('[') ? JsonSource.Read(text) : YamlSource.Read(text);
        }
        catch (SyntaxException e)
        {
            throw new ManifestException(e.Document, e.Line > 0 ? $"line {e.Line}, column {e.Column}" : "(document)", e.Message);
        }
        return [.. docs.Where(d => d.Root is not null).Select(d => (d.Number, ToJson(d.Root!)!))];
    }

    public static string Yaml(IEnumerable<JsonNode> documents) => ResourceYaml.Render(documents.Select(d => d.ToJsonString()));

    private static JsonNode? ToJson(Node node) => node switch
    {
        MappingNode m => new JsonObject(m.Entries.Select(e => KeyValuePair.Create(e.Key, ToJson(e.Value)))),
        SequenceNode s => new JsonArray([.. s.Items.Select(ToJson)]),
        ScalarNode { IsNull: true } => null,
        ScalarNode { Plain: true } p => Typed(p.Value),
        ScalarNode q => JsonValue.Create(q.Value),
        _ => null,
    };

    /// <summary>YAML 1.2 core schema, as sigs.k8s.io/yaml reads the forms manifests use.</summary>
    private static JsonNode Typed(string v)
    {
        if (v is "true" or "True" or "TRUE") return JsonValue.Create(true);
        if (v is "false" or "False" or "FALSE") return JsonValue.Create(false);
        if (long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return JsonValue.Create(l);
        if (v.Length > 0 && (char.IsAsciiDigit(v[0]) || v[0] is '-' or '+' or '.') && v.Any(char.IsAsciiDigit)
            && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
            return JsonValue.Create(d);
        return JsonValue.Create(v);
    }
}

/// <summary>A manifest that cannot be read or injected: the document (1-based; 0 = the whole input), where in it, and why.</summary>
public sealed class ManifestException(int document, string path, string message) : Exception(message)
{
    public int Document { get; } = document;
    public string Path { get; } = path;
    public override string ToString() => $"document {Document}: {Path}: {Message}";
}
