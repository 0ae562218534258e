using System.Text.Json.Nodes;
using YamlDotNet.Serialization;

namespace Mesh.Abstractions.Resources;

/// <summary>Renders canonical resource JSON as YAML for `mesh get -o yaml`; the output parses back to the same
/// canonical JSON (strings that would read as numbers or booleans are quoted).</summary>
public static class ResourceYaml
{
    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithQuotingNecessaryStrings()
        .DisableAliases()
        .Build();

    public static string Render(string canonicalJson) => Serializer.Serialize(ToPlain(JsonNode.Parse(canonicalJson)));

    /// <summary>Several resources as one multi-document text.</summary>
    public static string Render(IEnumerable<string> canonicalJsons) => string.Join("---\n", canonicalJsons.Select(Render));

    private static object? ToPlain(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(p => p.Key, p => ToPlain(p.Value)),
        JsonArray a => a.Select(ToPlain).ToList(),
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        JsonValue v => v.GetValue<string>(),
        _ => node.ToJsonString(),
    };
}
