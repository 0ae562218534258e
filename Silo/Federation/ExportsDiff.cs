using Mesh.Api.V1;

namespace Mesh.Silo.Federation;

/// <summary>The deltas from what a peer was sent to what it should see: a removal per Service gone, an upsert per
/// Service new or changed (compared whole), in key order.</summary>
internal static class ExportsDiff
{
    public static List<ExportsUpdate> Deltas(IReadOnlyDictionary<string, ExportedService> sent, IReadOnlyDictionary<string, ExportedService> next)
    {
        var updates = new List<ExportsUpdate>();
        foreach (var (key, old) in sent.OrderBy(p => p.Key, StringComparer.Ordinal))
            if (!next.ContainsKey(key))
                updates.Add(new ExportsUpdate { Removed = new ExportedServiceRef { Namespace = old.Namespace, Name = old.Name } });
        foreach (var (key, service) in next.OrderBy(p => p.Key, StringComparer.Ordinal))
            if (!sent.TryGetValue(key, out var old) || !old.Equals(service))
                updates.Add(new ExportsUpdate { Upserted = service });
        return updates;
    }
}
