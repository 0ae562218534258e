using System.Text.Json.Nodes;
using Mesh.Testing.KubeApi.Kinds;

namespace Mesh.Testing.KubeApi.Http;

/// <summary>The legacy discovery documents (<c>/version</c>, <c>/api</c>, <c>/api/v1</c>, <c>/apis</c>,
/// <c>/apis/{group}</c>, <c>/apis/{group}/{version}</c>) built from the kind registry.</summary>
internal static class Discovery
{
    private static readonly string[] Verbs = ["create", "delete", "get", "list", "patch", "update", "watch"];

    public static JsonObject Version() => new()
    {
        ["major"] = "1", ["minor"] = "32", ["gitVersion"] = "v1.32.0-mesh-fake", ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean", ["buildDate"] = "2025-01-01T00:00:00Z", ["goVersion"] = "go1.23.0", ["compiler"] = "gc", ["platform"] = "linux/amd64",
    };

    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public static JsonObject Groups(KindRegistry kinds) => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray(kinds.Groups().Select(g => (JsonNode?)Group(g.Key, g)).ToArray()),
    };

    public static JsonObject? Group(KindRegistry kinds, string group)
    {
        var members = kinds.All.Where(k => k.Group == group).ToList();
        return members.Count == 0 ? null : Group(group, members);
    }

    private static JsonObject Group(string group, IEnumerable<KindInfo> members)
    {
        var versions = members.Select(k => k.Version).Distinct().OrderDescending(StringComparer.Ordinal).ToList();
        JsonObject Gv(string v) => new() { ["groupVersion"] = $"{group}/{v}", ["version"] = v };
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = group,
            ["versions"] = new JsonArray(versions.Select(v => (JsonNode?)Gv(v)).ToArray()),
            ["preferredVersion"] = Gv(versions[0]),
        };
    }

    public static JsonObject? Resources(KindRegistry kinds, string group, string version)
    {
        var members = kinds.All.Where(k => k.Group == group && k.Version == version).ToList();
        if (members.Count == 0) return null;
        var resources = new JsonArray();
        foreach (var k in members.OrderBy(k => k.Resource, StringComparer.Ordinal))
        {
            var r = new JsonObject
            {
                ["name"] = k.Resource, ["singularName"] = k.Singular, ["namespaced"] = k.Namespaced, ["kind"] = k.Kind,
                ["verbs"] = new JsonArray((k.CreateOnly ? ["create"] : Verbs).Select(v => (JsonNode?)v).ToArray()),
            };
            if (k.ShortNames.Length > 0) r["shortNames"] = new JsonArray(k.ShortNames.Select(s => (JsonNode?)s).ToArray());
            resources.Add(r);
            if (k.HasStatus)
                resources.Add(new JsonObject
                {
                    ["name"] = $"{k.Resource}/status", ["singularName"] = "", ["namespaced"] = k.Namespaced, ["kind"] = k.Kind,
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
        }
        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }
}
