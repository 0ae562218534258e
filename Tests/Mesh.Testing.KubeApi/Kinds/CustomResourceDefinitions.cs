using System.Text.Json.Nodes;
using Mesh.Testing.KubeApi.Http;
using Mesh.Testing.KubeApi.Store;

namespace Mesh.Testing.KubeApi.Kinds;

/// <summary>Reads the kinds a CustomResourceDefinition serves (one per served version) and the status the API server
/// writes back when it establishes them.</summary>
internal static class CustomResourceDefinitions
{
    public static Outcome<List<KindInfo>> KindsOf(JsonObject crd)
    {
        var name = JsonText.Str(crd["metadata"]?["name"]) ?? "";
        var spec = crd["spec"] as JsonObject;
        var group = JsonText.Str(spec?["group"]);
        var names = spec?["names"] as JsonObject;
        var plural = JsonText.Str(names?["plural"]);
        var kind = JsonText.Str(names?["kind"]);
        var scope = JsonText.Str(spec?["scope"]);
        const string crdKind = "CustomResourceDefinition";
        const string crdGroup = "apiextensions.k8s.io";
        if (string.IsNullOrEmpty(group)) return ApiError.Invalid(crdKind, crdGroup, name, "spec.group", "Required value");
        if (string.IsNullOrEmpty(plural)) return ApiError.Invalid(crdKind, crdGroup, name, "spec.names.plural", "Required value");
        if (string.IsNullOrEmpty(kind)) return ApiError.Invalid(crdKind, crdGroup, name, "spec.names.kind", "Required value");
        if (scope is not ("Namespaced" or "Cluster"))
            return ApiError.Invalid(crdKind, crdGroup, name, "spec.scope", "Unsupported value: \"" + scope + "\": supported values: \"Cluster\", \"Namespaced\"");
        if (name != $"{plural}.{group}")
            return ApiError.Invalid(crdKind, crdGroup, name, "metadata.name", $"Invalid value: \"{name}\": must be spec.names.plural+\".\"+spec.group");
        var shortNames = (names?["shortNames"] as JsonArray)?.Select(JsonText.Str).OfType<string>().ToArray() ?? [];
        var kinds = new List<KindInfo>();
        foreach (var v in spec?["versions"] as JsonArray ?? [])
        {
            if (v is not JsonObject version || !IsTrue(version["served"])) continue;
            var versionName = JsonText.Str(version["name"]);
            if (string.IsNullOrEmpty(versionName)) return ApiError.Invalid(crdKind, crdGroup, name, "spec.versions[].name", "Required value");
            var hasStatus = version["subresources"]?["status"] is not null;
            kinds.Add(KindInfo.Create(group, versionName, plural, kind, scope == "Namespaced", hasStatus, shortNames, isCustom: true));
        }
        if (kinds.Count == 0) return ApiError.Invalid(crdKind, crdGroup, name, "spec.versions", "Invalid value: must have exactly one version marked as storage version");
        return kinds;
    }

    /// <summary>The Established and NamesAccepted conditions and accepted names, as the apiextensions controller writes them.</summary>
    public static void MarkEstablished(JsonObject crd, string now)
    {
        var names = crd["spec"]?["names"]?.DeepClone() ?? new JsonObject();
        crd["status"] = new JsonObject
        {
            ["acceptedNames"] = names,
            ["conditions"] = new JsonArray(
                Condition("NamesAccepted", "NoConflicts", "no conflicts found", now),
                Condition("Established", "InitialNamesAccepted", "the initial names have been accepted", now)),
            ["storedVersions"] = new JsonArray(((crd["spec"]?["versions"] as JsonArray) ?? [])
                .Where(v => IsTrue(v?["storage"])).Select(v => JsonText.Str(v!["name"])).OfType<string>().Select(n => (JsonNode?)n).ToArray()),
        };
    }

    private static bool IsTrue(JsonNode? node) => node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.True;

    private static JsonObject Condition(string type, string reason, string message, string now) => new()
    {
        ["type"] = type, ["status"] = "True", ["lastTransitionTime"] = now, ["reason"] = reason, ["message"] = message,
    };
}
