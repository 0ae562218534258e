using System.Text.Json.Nodes;
using Mesh.Testing.KubeApi.Kinds;

namespace Mesh.Testing.KubeApi.Http;

/// <summary>A skeleton OpenAPI v3 (<c>/openapi/v3</c> and one document per group/version): paths with their
/// operations, <c>x-kubernetes-group-version-kind</c> and the <c>fieldValidation</c> parameter, and no schemas.
/// That is what kubectl 1.32 reads to decide that the server validates fields itself (it then sends
/// <c>fieldValidation=Strict</c> instead of downloading schemas); without it, <c>kubectl apply</c> fails with
/// "failed to download openapi". Apply then computes patches from kubectl's built-in types.</summary>
internal static class OpenApi
{
    public static JsonObject Root(KindRegistry kinds)
    {
        var paths = new JsonObject();
        foreach (var gv in kinds.All.Select(k => (k.Group, k.Version)).Distinct())
        {
            var key = gv.Group.Length == 0 ? $"api/{gv.Version}" : $"apis/{gv.Group}/{gv.Version}";
            paths[key] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{key}?hash={Hash(kinds, gv.Group, gv.Version)}" };
        }
        return new JsonObject { ["paths"] = paths };
    }

    private static string Hash(KindRegistry kinds, string group, string version) =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            string.Join(",", kinds.All.Where(k => k.Group == group && k.Version == version).Select(k => k.Resource + k.HasStatus)))))[..16];

    public static JsonObject? GroupVersion(KindRegistry kinds, string relative)
    {
        var parts = relative.Trim('/').Split('/');
        var (group, version) = parts switch
        {
            ["api", var v] => ("", v),
            ["apis", var g, var v] => (g, v),
            _ => ("", ""),
        };
        var members = kinds.All.Where(k => k.Group == group && k.Version == version && version.Length > 0).ToList();
        if (members.Count == 0) return null;
        var paths = new JsonObject();
        foreach (var k in members)
        {
            var prefix = (group.Length == 0 ? $"/api/{version}" : $"/apis/{group}/{version}") + (k.Namespaced ? "/namespaces/{namespace}" : "");
            paths[$"{prefix}/{k.Resource}"] = new JsonObject
            {
                ["get"] = Operation(k, "list"),
                ["post"] = Operation(k, "post"),
            };
            paths[$"{prefix}/{k.Resource}/{{name}}"] = new JsonObject
            {
                ["parameters"] = new JsonArray(FieldValidation()),
                ["get"] = Operation(k, "get"),
                ["put"] = Operation(k, "put"),
                ["patch"] = Operation(k, "patch"),
                ["delete"] = Operation(k, "delete"),
            };
        }
        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.32.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = new JsonObject() },
        };
    }

    private static JsonObject FieldValidation() => new()
    {
        ["name"] = "fieldValidation", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" }, ["uniqueItems"] = true,
    };

    private static JsonObject Operation(KindInfo k, string action)
    {
        var op = new JsonObject
        {
            ["operationId"] = $"{action}{k.Kind}",
            ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
            ["x-kubernetes-action"] = action,
            ["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = k.Group, ["kind"] = k.Kind, ["version"] = k.Version },
        };
        if (action is "post" or "put" or "patch") op["parameters"] = new JsonArray(FieldValidation());
        return op;
    }
}
