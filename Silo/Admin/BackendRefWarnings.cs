using System.Text.Json.Nodes;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;

namespace Mesh.Silo.Admin;

/// <summary>Warnings for an apply that is valid but will not route as written: an HTTPRoute/GRPCRoute backendRef naming a
/// Service that neither this apply nor the catalog has, or a port that Service does not have (Gateway API marks such a
/// ref ResolvedRefs=false; requests it gets fail with 503). Pure.</summary>
internal static class BackendRefWarnings
{
    /// <summary>The namespaces whose Services the check needs (the applied routes' backendRef namespaces).</summary>
    public static IEnumerable<string> Namespaces(IEnumerable<StoredResource> applied) =>
        applied.Where(IsRoute).SelectMany(r => BackendRefs(r).Select(b => b.Namespace)).Distinct(StringComparer.Ordinal);

    /// <param name="applied">The resources of this apply.</param>
    /// <param name="existing">Services already stored, by namespace (at least those of <see cref="Namespaces"/>).</param>
    public static List<string> Compute(IReadOnlyList<StoredResource> applied, IReadOnlyDictionary<string, IReadOnlyList<StoredResource>> existing)
    {
        var services = new Dictionary<(string Ns, string Name), JsonNode?>();
        foreach (var (ns, list) in existing)
            foreach (var s in list.Where(s => s.Kind == ResourceKinds.Service.Kind)) services[(ns, s.Name)] = Parse(s);
        foreach (var s in applied.Where(s => s.Kind == ResourceKinds.Service.Kind)) services[(s.Namespace, s.Name)] = Parse(s);

        var warnings = new List<string>();
        foreach (var route in applied.Where(IsRoute))
            foreach (var backend in BackendRefs(route))
            {
                var at = $"{route.Kind} {route.Name}.{route.Namespace}: backendRef {backend.Name}{(backend.Port is { } p ? $":{p}" : "")}";
                if (!services.TryGetValue((backend.Namespace, backend.Name), out var service))
                {
                    warnings.Add($"{at}: no Service {backend.Name} in namespace {backend.Namespace}; requests routed to it fail with 503 until it is applied");
                    continue;
                }
                var ports = (service?["spec"]?["ports"] as JsonArray ?? []).Select(n => (int?)n?["port"]).OfType<int>().ToList();
                if (backend.Port is { } port && !ports.Contains(port))
                    warnings.Add($"{at}: Service {backend.Name}.{backend.Namespace} has no port {port} (its ports: {(ports.Count == 0 ? "none" : string.Join(", ", ports))}); requests routed to it fail with 503");
            }
        return warnings;
    }

    private static bool IsRoute(StoredResource r) => r.Kind == ResourceKinds.HttpRoute.Kind || r.Kind == ResourceKinds.GrpcRoute.Kind;

    private static JsonNode? Parse(StoredResource r) => JsonNode.Parse(r.Json);

    private static IEnumerable<(string Namespace, string Name, int? Port)> BackendRefs(StoredResource route)
    {
        var rules = Parse(route)?["spec"]?["rules"] as JsonArray ?? [];
        foreach (var backend in rules.SelectMany(rule => rule?["backendRefs"] as JsonArray ?? []))
        {
            // Only Service refs (the default kind) are resolvable here.
            if ((string?)backend?["kind"] is { Length: > 0 } kind && kind != "Service") continue;
            if ((string?)backend?["name"] is not { Length: > 0 } name) continue;
            yield return ((string?)backend?["namespace"] is { Length: > 0 } ns ? ns : route.Namespace, name, (int?)backend?["port"]);
        }
    }
}
