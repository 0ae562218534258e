using Mesh.Api.V1;
using Mesh.Names;

namespace Mesh.Silo.Discovery;

/// <summary>Decides which updates move a watcher from what it was last sent to the current state: a snapshot first or
/// on resync, then endpoint upserts/removals, a replaced profile, or "deleted". Versions are stamped by the caller. Pure.</summary>
public static class ServiceUpdatePlanner
{
    public static List<ServiceUpdate> Plan(ServiceAuthority authority, TranslatedService? previous, TranslatedService next, bool resync)
    {
        var updates = new List<ServiceUpdate>();
        if (previous is null || resync || (!previous.Exists && next.Exists) || (next.Exists && previous.Problem != next.Problem))
        {
            updates.Add(new ServiceUpdate { Snapshot = Snapshot(authority, next) });
            return updates;
        }
        if (!next.Exists)
        {
            if (previous.Exists)
                updates.Add(new ServiceUpdate { Deleted = new NoService { Reason = $"service {authority.Name}.{authority.Namespace} was deleted" } });
            return updates;
        }

        var removed = new EndpointKeys();
        foreach (var key in previous.Endpoints.Keys)
            if (!next.Endpoints.ContainsKey(key)) removed.Keys.Add(key);
        var upserted = new EndpointList();
        foreach (var (key, endpoint) in next.Endpoints)
            if (!previous.Endpoints.TryGetValue(key, out var old) || !old.Equals(endpoint)) upserted.Endpoints.Add(endpoint);

        if (removed.Keys.Count > 0) updates.Add(new ServiceUpdate { Removed = removed });
        if (upserted.Endpoints.Count > 0) updates.Add(new ServiceUpdate { Upserted = upserted });
        if (!previous.Profile.Equals(next.Profile)) updates.Add(new ServiceUpdate { Profile = next.Profile });
        return updates;
    }

    public static ServiceSnapshot Snapshot(ServiceAuthority authority, TranslatedService state)
    {
        var snapshot = new ServiceSnapshot
        {
            Exists = state.Exists,
            Authority = authority.Canonical(),
            Name = authority.Name,
            Namespace = authority.Namespace,
            Port = (uint)authority.Port,
            Profile = state.Exists ? state.Profile : null,
            Problem = state.Problem,
        };
        snapshot.Endpoints.AddRange(state.Endpoints.Values);
        return snapshot;
    }
}
