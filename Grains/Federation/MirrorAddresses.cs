using System.Collections.Immutable;
using System.Net;
using System.Text.Json.Nodes;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;

namespace Mesh.Grains.Federation;

/// <summary>Puts the cluster IPs this cluster's API server allocated to a link's mirror Service (Kubernetes mode) into
/// the mirror's <c>spec.clusterIP</c>/<c>clusterIPs</c>, so discovery by address resolves a caller of that ClusterIP to
/// the mirror. The address is the only thing taken from the API server: the mirror stays the link's (its source and
/// everything else are the link's). Until the publisher reports an address in this activation, the one already stored
/// with this link's mirror is kept, so a reactivated link does not drop it for a moment. Pure.</summary>
internal static class MirrorAddresses
{
    public static string Key(string ns, string name) => $"{ns}/{name}";

    /// <param name="allocated">Cluster IPs by <see cref="Key"/>, as the publisher last reported them (anything but an IP
    /// address is left out: a mirror claims no address it cannot be called at).</param>
    /// <param name="stored">The catalog's current resource of that name, this link's (another source's is a conflict and never written).</param>
    public static StoredResource Stamp(StoredResource mirror, IReadOnlyDictionary<string, ImmutableArray<string>> allocated, StoredResource? stored)
    {
        if (mirror.Kind != ResourceKinds.Service.Kind) return mirror;
        var ips = (allocated.TryGetValue(Key(mirror.Namespace, mirror.Name), out var reported) && !reported.IsDefault ? reported
            : stored is not null ? Of(stored.Json) : []).Where(ip => IPAddress.TryParse(ip, out _)).ToList();
        if (ips.Count == 0) return mirror;
        var doc = JsonNode.Parse(mirror.Json)!.AsObject();
        if (doc["spec"] is not JsonObject spec) doc["spec"] = spec = new JsonObject();
        spec["clusterIP"] = ips[0];
        spec["clusterIPs"] = new JsonArray([.. ips.Select(ip => (JsonNode)ip)]);
        return mirror with { Json = doc.ToJsonString() };
    }

    /// <summary>The cluster IPs a stored Service document carries (clusterIPs, else clusterIP).</summary>
    public static ImmutableArray<string> Of(string json)
    {
        var spec = JsonNode.Parse(json)?["spec"];
        if (spec?["clusterIPs"] is JsonArray { Count: > 0 } list)
            return [.. list.OfType<JsonValue>().Select(v => v.TryGetValue<string>(out var s) ? s : "").Where(s => s.Length > 0)];
        return spec?["clusterIP"] is JsonValue v && v.TryGetValue<string>(out var ip) && ip.Length > 0 ? [ip] : [];
    }
}
