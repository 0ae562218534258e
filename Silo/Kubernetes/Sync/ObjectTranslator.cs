using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;
using Mesh.Names;

namespace Mesh.Silo.Kubernetes.Sync;

/// <summary>What one Kubernetes object becomes in the catalog.</summary>
internal abstract record Translation
{
    /// <summary>The mesh resource, validated exactly as `mesh apply` validates it.</summary>
    public sealed record Upsert(StoredResource Resource) : Translation;
    /// <summary>Not a mesh resource (yet or any more), e.g. a pod without an IP or one that finished: delete it.</summary>
    public sealed record Absent(string Reason) : Translation;
    /// <summary>Rejected by the mesh's validation; the field-path errors say why. The catalog keeps its last good version.</summary>
    public sealed record Invalid(ImmutableArray<string> Errors) : Translation;
    /// <summary>An object the mesh itself wrote from the catalog (a mirror, <see cref="MirrorObjects"/>): reading it
    /// back as source kubernetes would loop. Nothing is written for it.</summary>
    public sealed record Ignored(string Reason) : Translation;
}

/// <summary>Turns Kubernetes objects (JSON as the API server serves them) into the documents `mesh apply` accepts, then
/// validates them with the same <see cref="ResourceParser"/>: what the API server adds and the mesh rejects (status,
/// managedFields, uid, resourceVersion, nodePort, …) is dropped, what the mesh needs is kept. Pure.</summary>
internal static class ObjectTranslator
{
    /// <summary>kubectl's copy of the applied object: large, and not part of the object the mesh should see.</summary>
    private const string LastApplied = "kubectl.kubernetes.io/last-applied-configuration";
    /// <summary>The well-known topology label, read from the pod (the Node's copy is not watched).</summary>
    internal const string ZoneLabel = "topology.kubernetes.io/zone";

    /// <summary>A kind whose spec the mesh reads as it is (routes and our CRDs): apiVersion, kind, metadata, spec.</summary>
    public static Translation AsIs(JsonObject obj, ResourceKind kind) =>
        Validate(new JsonObject
        {
            ["apiVersion"] = kind.ApiVersion,
            ["kind"] = kind.Kind,
            ["metadata"] = Metadata(obj),
            ["spec"] = obj["spec"]?.DeepClone() ?? new JsonObject(),
        }, kind);

    /// <summary>v1 Service → mesh Service: selector, ports (without nodePort), type, clusterIP(s).</summary>
    public static Translation Service(JsonObject obj)
    {
        var spec = obj["spec"] as JsonObject ?? new JsonObject();
        var type = spec["type"]?.GetValue<string>();
        if (MirrorObjects.IsOurs(obj, MirrorObjects.ServiceManagedByLabel)) return new Translation.Ignored(MirrorObjects.WhyIgnored);
        if (type == "ExternalName") return new Translation.Absent("an ExternalName Service has no endpoints for the mesh");
        var mesh = new JsonObject();
        if (spec["selector"] is JsonObject selector) mesh["selector"] = selector.DeepClone();
        if (spec["ports"] is JsonArray ports)
            mesh["ports"] = new JsonArray([.. ports.Select(p => (JsonNode)Pick(p as JsonObject, "name", "port", "targetPort", "protocol", "appProtocol"))]);
        if (type is not null) mesh["type"] = type;
        if (spec["clusterIP"] is JsonValue ip) mesh["clusterIP"] = ip.DeepClone();
        if (spec["clusterIPs"] is JsonArray { Count: > 0 } ips) mesh["clusterIPs"] = ips.DeepClone();
        return Validate(new JsonObject
        {
            ["apiVersion"] = ResourceKinds.Service.ApiVersion,
            ["kind"] = ResourceKinds.Service.Kind,
            ["metadata"] = Metadata(obj),
            ["spec"] = mesh,
        }, ResourceKinds.Service);
    }

    /// <summary>v1 Pod → mesh Workload: identity = spec.serviceAccountName, address = status.podIP, ports = the
    /// containers' ports, proxy when the mesh proxy is injected, zone from the topology label, ready from the Ready
    /// condition (false while the pod terminates). A pod without an IP, or one that finished, is no Workload.</summary>
    public static Translation Pod(JsonObject obj)
    {
        var spec = obj["spec"] as JsonObject ?? new JsonObject();
        var status = obj["status"] as JsonObject ?? new JsonObject();
        var phase = status["phase"]?.GetValue<string>();
        if (phase is "Succeeded" or "Failed") return new Translation.Absent($"the pod {phase.ToLowerInvariant()}");
        if (spec["hostNetwork"]?.GetValue<bool>() == true) return new Translation.Absent("a hostNetwork pod shares its node's address");
        var ips = (status["podIPs"] as JsonArray)?.Select(p => p?["ip"]?.GetValue<string>()).OfType<string>().ToList() ?? [];
        if (ips.Count == 0 && status["podIP"]?.GetValue<string>() is { Length: > 0 } single) ips.Add(single);
        if (ips.Count == 0) return new Translation.Absent("the pod has no IP yet");

        var containers = (spec["containers"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var initContainers = (spec["initContainers"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var proxied = containers.Concat(initContainers).Any(c => c["name"]?.GetValue<string>() == KubernetesObjects.ProxyContainer);
        var ports = new JsonArray();
        var seen = new HashSet<long>();
        foreach (var c in containers.Where(c => c["name"]?.GetValue<string>() != KubernetesObjects.ProxyContainer))
            foreach (var p in (c["ports"] as JsonArray ?? []).OfType<JsonObject>())
                if (p["containerPort"]?.GetValue<long>() is { } number && seen.Add(number))
                {
                    var port = new JsonObject { ["port"] = number };
                    if (p["name"]?.GetValue<string>() is { } name) port["name"] = name;
                    ports.Add(port);
                }
        var ready = obj["metadata"]?["deletionTimestamp"] is null
            && (status["conditions"] as JsonArray ?? []).OfType<JsonObject>()
                .Any(c => c["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True");

        var workload = new JsonObject
        {
            ["serviceAccount"] = spec["serviceAccountName"]?.GetValue<string>() ?? "default",
            ["addresses"] = new JsonArray([.. ips.Distinct(StringComparer.Ordinal).Select(ip => (JsonNode)ip)]),
        };
        if (ports.Count > 0) workload["ports"] = ports;
        if (proxied) workload["proxy"] = new JsonObject();
        if (obj["metadata"]?["labels"]?[ZoneLabel]?.GetValue<string>() is { } zone) workload["zone"] = zone;
        return Validate(new JsonObject
        {
            ["apiVersion"] = ResourceKinds.Workload.ApiVersion,
            ["kind"] = ResourceKinds.Workload.Kind,
            ["metadata"] = Metadata(obj),
            ["spec"] = workload,
            ["status"] = new JsonObject { ["ready"] = ready },
        }, ResourceKinds.Workload);
    }

    /// <summary>discovery.k8s.io/v1 EndpointSlice → the same kind: addressType, ports (name, port, protocol, appProtocol)
    /// and endpoints (addresses, conditions, hostname, targetRef as kind/name/namespace, nodeName, zone). Topology hints,
    /// deprecatedTopology and the targetRef's uid/resourceVersion are the API server's and kube-proxy's, not the mesh's.</summary>
    public static Translation EndpointSlice(JsonObject obj)
    {
        if (MirrorObjects.IsOurs(obj, MirrorObjects.SliceManagedByLabel)) return new Translation.Ignored(MirrorObjects.WhyIgnored);
        var document = new JsonObject
        {
            ["apiVersion"] = ResourceKinds.EndpointSlice.ApiVersion,
            ["kind"] = ResourceKinds.EndpointSlice.Kind,
            ["metadata"] = Metadata(obj),
        };
        if (obj["addressType"] is JsonValue type) document["addressType"] = type.DeepClone();
        if (obj["endpoints"] is JsonArray endpoints)
            document["endpoints"] = new JsonArray([.. endpoints.Select(e =>
            {
                var endpoint = Pick(e as JsonObject, "addresses", "conditions", "hostname", "nodeName", "zone");
                if (e?["targetRef"] is JsonObject target) endpoint["targetRef"] = Pick(target, "kind", "name", "namespace");
                return (JsonNode)endpoint;
            })]);
        if (obj["ports"] is JsonArray ports)
            document["ports"] = new JsonArray([.. ports.Select(p => (JsonNode)Pick(p as JsonObject, "name", "port", "protocol", "appProtocol"))]);
        return Validate(document, ResourceKinds.EndpointSlice);
    }

    /// <summary>name, namespace, labels, annotations (without kubectl's last-applied copy), creationTimestamp (routes
    /// and policies order by age); the rest is the API server's bookkeeping.</summary>
    private static JsonObject Metadata(JsonObject obj)
    {
        var meta = obj["metadata"] as JsonObject ?? new JsonObject();
        var result = Pick(meta, "name", "namespace", "labels", "creationTimestamp");
        if (meta["annotations"] is JsonObject annotations)
        {
            var kept = new JsonObject();
            foreach (var (key, value) in annotations)
                if (key != LastApplied) kept[key] = value?.DeepClone();
            if (kept.Count > 0) result["annotations"] = kept;
        }
        if (result["labels"] is JsonObject { Count: 0 }) result.Remove("labels");
        return result;
    }

    private static JsonObject Pick(JsonObject? source, params string[] fields)
    {
        var result = new JsonObject();
        if (source is null) return result;
        foreach (var field in fields)
            if (source[field] is { } value) result[field] = value.DeepClone();
        return result;
    }

    private static Translation Validate(JsonObject document, ResourceKind kind)
    {
        var ns = document["metadata"]?["namespace"]?.GetValue<string>() ?? "";
        var parsed = ResourceParser.Parse(document.ToJsonString(), string.IsNullOrEmpty(ns) ? Abstractions.MeshNames.DefaultNamespace : ns);
        if (!parsed.Ok) return new Translation.Invalid([.. parsed.Errors.Select(e => $"{e.Path}: {e.Message}")]);
        var r = parsed.Resources.Single();
        return new Translation.Upsert(new StoredResource(r.Kind, r.Namespace, r.Name, r.CanonicalJson, 0) { Source = ResourceSources.Kubernetes });
    }
}
