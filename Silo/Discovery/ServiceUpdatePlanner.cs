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
        return Updates(previous, next, removed, upserted);
    }

    /// <summary>The updates from one existing state to the next when only the endpoints under <paramref name="changedKeys"/>
    /// (in key order) can differ, as after a patched translation: the same updates <see cref="Plan"/> would make, without
    /// comparing every endpoint.</summary>
    public static List<ServiceUpdate>? PlanChanged(TranslatedService previous, TranslatedService next, IEnumerable<string> changedKeys)
    {
        if (!previous.Exists || !next.Exists || previous.Problem != next.Problem) return null;
        return Deltas(previous, next, changedKeys);
    }

    private static List<ServiceUpdate> Deltas(TranslatedService previous, TranslatedService next, IEnumerable<string> keys)
    {
        var removed = new EndpointKeys();
        var upserted = new EndpointList();
        foreach (var key in keys)
        {
            if (!next.Endpoints.TryGetValue(key, out var endpoint))
            {
                if (previous.Endpoints.ContainsKey(key)) removed.Keys.Add(key);
            }
            else if (!previous.Endpoints.TryGetValue(key, out var old) || !old.Equals(endpoint)) upserted.Endpoints.Add(endpoint);
        }
        return Updates(previous, next, removed, upserted);
    }

    private static List<ServiceUpdate> Updates(TranslatedService previous, TranslatedService next, EndpointKeys removed, EndpointList upserted)
    {
        var updates = new List<ServiceUpdate>();
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
