using System.Text.Json.Nodes;

namespace Mesh.Silo.Kubernetes.Sync;

/// <summary>The Gateway API `status.parents` the mesh reports on an HTTPRoute/GRPCRoute (GAMMA): one entry per parentRef
/// that names a Service (group "" or core, kind Service; absent ones default to these, as the mesh routes by them), with `controllerName`
/// <see cref="ControllerName"/> and two conditions: Accepted (the parent Service exists and has the ref's port, the
/// route is valid for the mesh) and ResolvedRefs (every backendRef is a Service that exists with that port). Entries
/// other controllers wrote are kept as they are. Pure.</summary>
internal static class RouteStatus
{
    /// <summary>The controller name the mesh writes its route status under (a domain-prefixed path, as Gateway API requires).</summary>
    public const string ControllerName = "mesh.io/controller";

    /// <summary>A Service as the status needs it: its ports.</summary>
    internal sealed record ServicePorts(IReadOnlySet<int> Ports);

    /// <summary>The route's new `status.parents`: the other controllers' entries, then the mesh's, one per Service
    /// parentRef. A condition whose status, reason and message are unchanged keeps its lastTransitionTime.</summary>
    /// <param name="invalid">The mesh's validation errors for the route (empty: valid).</param>
    public static JsonArray Parents(JsonObject route, IReadOnlyList<string> invalid,
        IReadOnlyDictionary<(string Namespace, string Name), ServicePorts> services, DateTimeOffset now)
    {
        var ns = route["metadata"]?["namespace"]?.GetValue<string>() ?? "";
        var generation = route["metadata"]?["generation"] is JsonValue g && g.TryGetValue<long>(out var gen) ? gen : 0;
        var previous = (route["status"]?["parents"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var result = new JsonArray();
        foreach (var other in previous.Where(p => Text(p, "controllerName") != ControllerName))
            result.Add(other.DeepClone());

        var resolved = ResolvedRefs(route, ns, services);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var parent in (route["spec"]?["parentRefs"] as JsonArray ?? []).OfType<JsonObject>().Where(IsService))
        {
            var key = parent.ToJsonString();
            if (!seen.Add(key)) continue;
            var old = previous.FirstOrDefault(p => Text(p, "controllerName") == ControllerName
                && p["parentRef"] is JsonObject r && SameRef(r, parent));
            var accepted = Accepted(parent, ns, invalid, services);
            result.Add(new JsonObject
            {
                ["parentRef"] = parent.DeepClone(),
                ["controllerName"] = ControllerName,
                ["conditions"] = new JsonArray(
                    Condition("Accepted", accepted, generation, old, now),
                    Condition("ResolvedRefs", resolved, generation, old, now)),
            });
        }
        return result;
    }

    /// <summary>Whether two `status.parents` lists say the same, lastTransitionTime aside (nothing to write).</summary>
    public static bool Same(JsonArray? current, JsonArray desired) =>
        JsonNode.DeepEquals(WithoutTimes(current ?? []), WithoutTimes(desired));

    private static bool IsService(JsonObject parentRef) =>
        Text(parentRef, "group") is "" or "core" && (parentRef["kind"] is null ? "Service" : Text(parentRef, "kind")) == "Service";

    private static bool SameRef(JsonObject a, JsonObject b) =>
        Text(a, "name") == Text(b, "name") && Text(a, "namespace") == Text(b, "namespace") && a["port"]?.ToJsonString() == b["port"]?.ToJsonString()
        && Text(a, "sectionName") == Text(b, "sectionName");

    private static string Text(JsonObject o, string field) => o[field] is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";

    /// <summary>The ref's port; null when absent or not a number (the route is then invalid, which Accepted reports).</summary>
    private static int? Port(JsonObject o) => o["port"] is JsonValue v && v.TryGetValue<int>(out var port) ? port : null;

    private readonly record struct Verdict(bool Ok, string Reason, string Message);

    private static Verdict Accepted(JsonObject parent, string routeNs, IReadOnlyList<string> invalid,
        IReadOnlyDictionary<(string, string), ServicePorts> services)
    {
        var name = Text(parent, "name");
        var ns = Text(parent, "namespace") is { Length: > 0 } n ? n : routeNs;
        if (!services.TryGetValue((ns, name), out var service))
            return new(false, "NoMatchingParent", $"no Service {name} in namespace {ns}");
        if (Port(parent) is { } port && !service.Ports.Contains(port))
            return new(false, "NoMatchingParent", $"Service {name}.{ns} has no port {port} (its ports: {PortList(service)})");
        if (invalid.Count > 0)
            return new(false, "UnsupportedValue", "the mesh rejected the route: " + string.Join("; ", invalid));
        return new(true, "Accepted", "the mesh routes this Service's traffic by this route");
    }

    private static Verdict ResolvedRefs(JsonObject route, string routeNs, IReadOnlyDictionary<(string, string), ServicePorts> services)
    {
        var problems = new List<string>();
        var invalidKind = false;
        foreach (var backend in (route["spec"]?["rules"] as JsonArray ?? []).OfType<JsonObject>()
                     .SelectMany(rule => (rule["backendRefs"] as JsonArray ?? []).OfType<JsonObject>()))
        {
            var name = Text(backend, "name");
            if (!IsService(backend))
            {
                invalidKind = true;
                problems.Add($"backendRef {name}: kind {Text(backend, "kind")} (group {Text(backend, "group")}) is not a Service");
                continue;
            }
            var ns = Text(backend, "namespace") is { Length: > 0 } n ? n : routeNs;
            if (!services.TryGetValue((ns, name), out var service))
                problems.Add($"backendRef {name}: no Service {name} in namespace {ns}");
            else if (Port(backend) is { } port && !service.Ports.Contains(port))
                problems.Add($"backendRef {name}: Service {name}.{ns} has no port {port} (its ports: {PortList(service)})");
        }
        if (problems.Count == 0) return new(true, "ResolvedRefs", "every backendRef is a Service with that port");
        return new(false, invalidKind ? "InvalidKind" : "BackendNotFound", string.Join("; ", problems) + "; requests routed to it fail with 503");
    }

    private static string PortList(ServicePorts service) =>
        service.Ports.Count == 0 ? "none" : string.Join(", ", service.Ports.Order());

    private static JsonObject Condition(string type, Verdict verdict, long generation, JsonObject? old, DateTimeOffset now)
    {
        var status = verdict.Ok ? "True" : "False";
        var before = (old?["conditions"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(c => Text(c, "type") == type);
        var unchanged = before is not null && Text(before, "status") == status && Text(before, "reason") == verdict.Reason
            && Text(before, "message") == verdict.Message;
        return new JsonObject
        {
            ["type"] = type,
            ["status"] = status,
            ["reason"] = verdict.Reason,
            ["message"] = verdict.Message,
            ["observedGeneration"] = generation,
            ["lastTransitionTime"] = unchanged && before!["lastTransitionTime"] is { } t
                ? t.DeepClone()
                : now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    private static JsonArray WithoutTimes(JsonArray parents)
    {
        var copy = (JsonArray)parents.DeepClone();
        foreach (var condition in copy.OfType<JsonObject>().SelectMany(p => (p["conditions"] as JsonArray ?? []).OfType<JsonObject>()))
            condition.Remove("lastTransitionTime");
        return copy;
    }
}
