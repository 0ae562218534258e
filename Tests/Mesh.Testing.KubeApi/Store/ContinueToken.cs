using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mesh.Testing.KubeApi.Store;

/// <summary>An opaque list continuation: the version the first page was read at and the last key it returned
/// (base64 JSON, like the API server's; clients must not parse it).</summary>
internal static class ContinueToken
{
    public static string Encode(long resourceVersion, ObjectKey last) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(new JsonObject
        {
            ["v"] = "meta.k8s.io/v1", ["rv"] = resourceVersion, ["ns"] = last.Namespace, ["name"] = last.Name,
        }.ToJsonString()));

    public static bool TryDecode(string token, out long resourceVersion, out string ns, out string name)
    {
        resourceVersion = 0; ns = ""; name = "";
        try
        {
            var bytes = Convert.FromBase64String(token);
            if (JsonNode.Parse(bytes) is not JsonObject o || JsonText.Str(o["v"]) != "meta.k8s.io/v1") return false;
            if (o["rv"] is not JsonValue rv || !rv.TryGetValue(out resourceVersion) || resourceVersion <= 0) return false;
            ns = JsonText.Str(o["ns"]) ?? "";
            name = JsonText.Str(o["name"]) ?? "";
            return true;
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
        {
            return false;
        }
    }
}
