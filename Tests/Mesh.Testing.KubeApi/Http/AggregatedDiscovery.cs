using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Mesh.Testing.KubeApi.Kinds;

namespace Mesh.Testing.KubeApi.Http;

/// <summary>Aggregated discovery (<c>apidiscovery.k8s.io/v2</c> APIGroupDiscoveryList on <c>/api</c> and <c>/apis</c>),
/// which kubectl 1.32 asks for first: one document lists every group, version, resource and subresource, so the
/// client skips the per-group/version requests of legacy discovery.</summary>
internal static class AggregatedDiscovery
{
    public const string ContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
    private static readonly string[] Verbs = ["create", "delete", "get", "list", "patch", "update", "watch"];

    public static bool Wanted(HttpRequest request) =>
        AcceptHeader.Offers(request, "g=apidiscovery.k8s.io", "v=v2", "as=APIGroupDiscoveryList");

    /// <summary>The core group for <c>/api</c>, the named groups for <c>/apis</c>.</summary>
    public static JsonObject List(KindRegistry kinds, bool core)
    {
        var groups = kinds.All.Where(k => (k.Group.Length == 0) == core).GroupBy(k => k.Group).OrderBy(g => g.Key, StringComparer.Ordinal);
        return new JsonObject
        {
            ["kind"] = "APIGroupDiscoveryList",
            ["apiVersion"] = "apidiscovery.k8s.io/v2",
            ["metadata"] = new JsonObject(),
            ["items"] = new JsonArray(groups.Select(g => (JsonNode?)Group(g.Key, g)).ToArray()),
        };
    }

    private static JsonObject Group(string group, IEnumerable<KindInfo> members) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = group },
        ["versions"] = new JsonArray(members.GroupBy(k => k.Version).OrderByDescending(v => v.Key, StringComparer.Ordinal)
            .Select(v => (JsonNode?)new JsonObject
            {
                ["version"] = v.Key,
                ["resources"] = new JsonArray(v.OrderBy(k => k.Resource, StringComparer.Ordinal).Select(k => (JsonNode?)Resource(k)).ToArray()),
                ["freshness"] = "Current",
            }).ToArray()),
    };

    private static JsonObject Resource(KindInfo k)
    {
        JsonObject Kind() => new() { ["group"] = k.Group, ["version"] = k.Version, ["kind"] = k.Kind };
        var r = new JsonObject
        {
            ["resource"] = k.Resource,
            ["responseKind"] = Kind(),
            ["scope"] = k.Namespaced ? "Namespaced" : "Cluster",
            ["singularResource"] = k.Singular,
            ["verbs"] = new JsonArray((k.CreateOnly ? ["create"] : Verbs).Select(v => (JsonNode?)v).ToArray()),
        };
        if (k.ShortNames.Length > 0) r["shortNames"] = new JsonArray(k.ShortNames.Select(s => (JsonNode?)s).ToArray());
        if (k.HasStatus)
            r["subresources"] = new JsonArray(new JsonObject
            {
                ["subresource"] = "status", ["responseKind"] = Kind(), ["verbs"] = new JsonArray("get", "patch", "update"),
            });
        return r;
    }
}
