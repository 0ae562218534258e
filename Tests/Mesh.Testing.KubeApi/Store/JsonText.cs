using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mesh.Testing.KubeApi.Store;

/// <summary>Non-throwing reads of JSON nodes: garbage from a client is a value to reject, never an exception.</summary>
internal static class JsonText
{
    public static string? Str(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    public static JsonObject? Meta(JsonObject obj) => obj["metadata"] as JsonObject;

    public static string Name(JsonObject obj) => Str(Meta(obj)?["name"]) ?? "";

    public static string Namespace(JsonObject obj) => Str(Meta(obj)?["namespace"]) ?? "";
}
