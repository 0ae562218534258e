using System.Collections.Immutable;
using System.Net;
using System.Text.Json.Nodes;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;
using Mesh.Names;

namespace Mesh.Silo.Kubernetes.Sync;

/// <summary>A catalog mirror (the document a link grain stored) → the Kubernetes object the publisher writes, and
/// whether an object in the API server already is it. Only what the mirror says is compared and written (labels,
/// annotations, ports, endpoints); what the API server adds (clusterIP, uid, …) is kept. Pure.</summary>
internal static class MirrorObjectBuilder
{
    public static JsonObject Build(ResourceKind kind, JsonObject mesh, string source)
    {
        var meta = mesh["metadata"] as JsonObject ?? new JsonObject();
        var labels = (meta["labels"]?.DeepClone() as JsonObject) ?? new JsonObject();
        var annotations = (meta["annotations"]?.DeepClone() as JsonObject) ?? new JsonObject();
        labels[MulticlusterNames.ClusterLabel] = source[ResourceSources.LinkPrefix.Length..];
        annotations[MirrorObjects.SourceAnnotation] = source;
        var metadata = new JsonObject { ["name"] = meta["name"]?.DeepClone(), ["namespace"] = meta["namespace"]?.DeepClone() };
        if (kind == ResourceKinds.Service)
        {
            labels[MirrorObjects.ServiceManagedByLabel] = MirrorObjects.Manager;
            labels[MirrorObjects.MirroredServiceLabel] = "true";
            metadata["labels"] = labels;
            metadata["annotations"] = annotations;
            // Selectorless: the endpoints are the slices below, never pods the API server picks (a federated service's
            // local members are the catalog's business, discovery unions them there).
            return new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "Service", ["metadata"] = metadata,
                ["spec"] = new JsonObject { ["type"] = "ClusterIP", ["ports"] = ServicePorts(mesh["spec"]?["ports"] as JsonArray) },
            };
        }
        labels[MirrorObjects.SliceManagedByLabel] = MirrorObjects.Manager;
        metadata["labels"] = labels;
        metadata["annotations"] = annotations;
        return new JsonObject
        {
            ["apiVersion"] = "discovery.k8s.io/v1", ["kind"] = "EndpointSlice", ["metadata"] = metadata,
            ["addressType"] = mesh["addressType"]?.DeepClone() ?? "IPv4",
            ["endpoints"] = new JsonArray([.. (mesh["endpoints"] as JsonArray ?? []).OfType<JsonObject>().Select(e => (JsonNode)Pick(e, "addresses", "conditions", "hostname", "zone"))]),
            ["ports"] = new JsonArray([.. (mesh["ports"] as JsonArray ?? []).OfType<JsonObject>().Select(p => (JsonNode)Pick(p, "name", "port", "protocol", "appProtocol"))]),
        };
    }

    /// <summary>Whether <paramref name="current"/> (as the API server holds it) says what <paramref name="desired"/> says.</summary>
    public static bool Same(ResourceKind kind, JsonObject current, JsonObject desired) =>
        JsonNode.DeepEquals(Project(kind, current), Project(kind, desired));

    /// <summary>The update: the current object (its resourceVersion, clusterIP, …) with the mirror's fields in place.</summary>
    public static JsonObject Merge(ResourceKind kind, JsonObject current, JsonObject desired)
    {
        var merged = (JsonObject)current.DeepClone();
        merged["apiVersion"] = desired["apiVersion"]!.DeepClone();
        merged["kind"] = desired["kind"]!.DeepClone();
        var meta = merged["metadata"] as JsonObject ?? new JsonObject();
        meta["labels"] = desired["metadata"]!["labels"]!.DeepClone();
        meta["annotations"] = desired["metadata"]!["annotations"]!.DeepClone();
        merged["metadata"] = meta;
        if (kind == ResourceKinds.Service)
        {
            var spec = merged["spec"] as JsonObject ?? new JsonObject();
            spec.Remove("selector");
            spec["type"] = "ClusterIP";
            spec["ports"] = desired["spec"]!["ports"]!.DeepClone();
            merged["spec"] = spec;
        }
        else
            foreach (var field in new[] { "addressType", "endpoints", "ports" }) merged[field] = desired[field]!.DeepClone();
        return merged;
    }

    private static JsonObject Project(ResourceKind kind, JsonObject obj)
    {
        var result = new JsonObject
        {
            ["labels"] = obj["metadata"]?["labels"]?.DeepClone() ?? new JsonObject(),
            ["annotations"] = obj["metadata"]?["annotations"]?.DeepClone() ?? new JsonObject(),
        };
        if (kind == ResourceKinds.Service)
        {
            result["selector"] = obj["spec"]?["selector"] is JsonObject { Count: > 0 } s ? s.DeepClone() : null;
            result["type"] = obj["spec"]?["type"]?.DeepClone();
            result["ports"] = obj["spec"]?["ports"]?.DeepClone() ?? new JsonArray();
        }
        else
            foreach (var field in new[] { "addressType", "endpoints", "ports" }) result[field] = obj[field]?.DeepClone() ?? new JsonArray();
        return result;
    }

    /// <summary>The cluster IPs a Service (a Kubernetes object or a catalog document: the same fields) carries:
    /// clusterIPs, else clusterIP; only IP addresses (not "None", nothing else), in their order.</summary>
    public static ImmutableArray<string> ClusterIPs(JsonObject service)
    {
        var spec = service["spec"];
        var listed = spec?["clusterIPs"] is JsonArray { Count: > 0 } ips ? ips.Select(Text) : [Text(spec?["clusterIP"])];
        return [.. listed.Where(ip => IPAddress.TryParse(ip, out _)).Select(ip => ip!)];
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>Ports as the API server defaults them (protocol TCP, targetPort = port), so a read-back compares equal.</summary>
    private static JsonArray ServicePorts(JsonArray? ports) =>
        new([.. (ports ?? []).OfType<JsonObject>().Select(p =>
        {
            var port = Pick(p, "name", "protocol", "port", "targetPort", "appProtocol");
            port["protocol"] ??= "TCP";
            if (port["targetPort"] is JsonValue v && v.TryGetValue<string>(out var text) && int.TryParse(text, out var n)) port["targetPort"] = n;
            port["targetPort"] ??= port["port"]?.DeepClone();
            return (JsonNode)port;
        })]);

    private static JsonObject Pick(JsonObject source, params string[] fields)
    {
        var result = new JsonObject();
        foreach (var field in fields)
            if (source[field] is { } value) result[field] = value.DeepClone();
        return result;
    }
}
