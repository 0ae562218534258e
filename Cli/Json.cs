using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mesh.Cli;

/// <summary>Lenient readers for resource documents (the user's YAML as the silo stored it): a missing field or a value
/// of another type reads as null. The admin API's own answers are read into Mesh.Admin.Contract's records instead.</summary>
internal static class Json
{
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string? Str(JsonNode? node) => node is JsonValue v
        ? v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.ToJsonString(),
            _ => null,
        }
        : null;

    public static bool? Bool(JsonNode? node) => node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>() : null;

    public static IEnumerable<JsonNode> Items(JsonNode? node) => node is JsonArray a ? a.Where(i => i is not null).Select(i => i!) : [];

    public static IEnumerable<KeyValuePair<string, JsonNode?>> Props(JsonNode? node) => node is JsonObject o ? o : [];

    /// <summary>"app=books,tier=web" from a string map.</summary>
    public static string Labels(JsonNode? node) => string.Join(",", Props(node).Select(p => $"{p.Key}={Str(p.Value)}"));

    public static string Write(JsonNode? node) => node?.ToJsonString(Indented) ?? "null";
}
