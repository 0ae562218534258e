using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;
using Mesh.Grains.Catalog;
using Mesh.Names;

namespace Mesh.Grains.Federation;

/// <summary>The mirrors one link wants, and the one path that writes them: per namespace, the desired mirrors are
/// diffed against what the catalog records as this link's (source <c>link/&lt;cluster&gt;</c>) and written as one
/// batch — upserts, and deletes of this link's resources that are no longer wanted. Ownership is the catalog's
/// recorded source, never a name: a resource another source owns is never written (NameConflict), and only this
/// link's own resources are ever deleted. Not thread-safe: the link grain calls it under its own lock.</summary>
internal sealed class MirrorWriter(IGrainFactory grains, string cluster, Func<Task<long>> nextEpoch)
{
    private readonly string _source = ResourceSources.Link(cluster);
    private readonly Dictionary<string, SortedDictionary<string, MirrorSet>> _desired = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ImmutableArray<MirrorCondition>> _conditions = new(StringComparer.Ordinal);
    // What was last written per mirror (namespace/name): an entry that now fails keeps its last good state.
    private readonly Dictionary<string, ImmutableArray<string>> _written = new(StringComparer.Ordinal);
    // The cluster IPs the local API server allocated to this link's mirror Services (Kubernetes mode; see MirrorAddresses).
    private ImmutableDictionary<string, ImmutableArray<string>> _addresses = ImmutableDictionary<string, ImmutableArray<string>>.Empty;

    public string Source => _source;

    /// <summary>False while the link's gateway probe says dead: gateway-mode mirrors are written with their
    /// <see cref="MirrorEntry.GatewayDown"/> resources (endpoints not ready, never deleted).</summary>
    public bool GatewayAlive { get; set; } = true;

    public IReadOnlyCollection<string> DesiredNamespaces => _desired.Keys;

    public ImmutableArray<MirrorCondition> Conditions =>
        [.. _conditions.OrderBy(c => c.Key, StringComparer.Ordinal).SelectMany(c => c.Value)];

    /// <summary>A fresh snapshot: the namespaces to sync are every one that had or now has a wanted mirror (the
    /// caller adds those where the catalog holds this link's resources).</summary>
    public ImmutableHashSet<string> ReplaceAll(IEnumerable<MirrorSet> sets)
    {
        var touched = _desired.Keys.ToImmutableHashSet(StringComparer.Ordinal);
        _desired.Clear();
        foreach (var set in sets) Put(set);
        return touched.Union(_desired.Keys);
    }

    /// <summary>Replaces the allocated cluster IPs (by "namespace/name"); answers the namespaces whose mirrors they change.</summary>
    public ImmutableHashSet<string> SetAddresses(ImmutableDictionary<string, ImmutableArray<string>> addresses)
    {
        var changed = addresses.Keys.Concat(_addresses.Keys)
            .Where(k => !(addresses.TryGetValue(k, out var next) && _addresses.TryGetValue(k, out var last) && next.AsSpan().SequenceEqual(last.AsSpan())))
            .Select(k => k.Split('/')[0]).ToImmutableHashSet(StringComparer.Ordinal);
        _addresses = addresses;
        return changed;
    }

    public string Upsert(MirrorSet set)
    {
        Put(set);
        return set.Namespace;
    }

    public string Remove(string ns, string remoteName)
    {
        if (_desired.TryGetValue(ns, out var sets) && sets.Remove(remoteName) && sets.Count == 0) _desired.Remove(ns);
        return ns;
    }

    private void Put(MirrorSet set)
    {
        if (!_desired.TryGetValue(set.Namespace, out var sets)) _desired[set.Namespace] = sets = new(StringComparer.Ordinal);
        sets[set.RemoteName] = set;
    }

    /// <summary>Makes namespace <paramref name="ns"/> hold exactly this link's wanted mirrors there.</summary>
    public async Task SyncAsync(string ns)
    {
        var catalog = grains.GetGrain<ICatalogGrain>(ns);
        // A write refused for a conflict that appeared meanwhile is planned again with that mirror left out.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var current = (await catalog.ListAsync(null)).ToDictionary(r => CatalogState.Key(r.Kind, r.Name), StringComparer.Ordinal);
            var plan = Plan(ns, current);
            _conditions[ns] = plan.Conditions;
            if (_conditions[ns].IsEmpty) _conditions.Remove(ns);
            var changed = plan.Deletes.Count > 0
                || plan.Upserts.Any(u => !current.TryGetValue(CatalogState.Key(u.Kind, u.Name), out var c) || c.Json != u.Json);
            if (!changed) return;

            var result = await catalog.WriteAsync(new CatalogBatch(_source, await nextEpoch(), [.. plan.Upserts], [.. plan.Deletes]));
            if (result.Ok)
            {
                foreach (var (name, keys) in plan.Written) _written[name] = keys;
                return;
            }
            if (result.Status != CatalogWriteStatus.Conflict) throw new InvalidOperationException($"catalog of {ns} refused link {cluster}'s mirrors: {result.Error}");
        }
        throw new InvalidOperationException($"catalog of {ns}: mirrors of link {cluster} kept conflicting with writes of other sources");
    }

    private sealed record NamespacePlan(List<StoredResource> Upserts, List<ResourceKey> Deletes, ImmutableArray<MirrorCondition> Conditions,
        Dictionary<string, ImmutableArray<string>> Written);

    private NamespacePlan Plan(string ns, Dictionary<string, StoredResource> current)
    {
        // Mirrors go only where this cluster has something of its own (a namespace is implicit in local mode).
        var present = current.Values.Any(r => !r.Source.StartsWith(ResourceSources.LinkPrefix, StringComparison.Ordinal));
        var upserts = new Dictionary<string, StoredResource>(StringComparer.Ordinal);
        var keep = new HashSet<string>(StringComparer.Ordinal);
        var conditions = ImmutableArray.CreateBuilder<MirrorCondition>();
        var written = new Dictionary<string, ImmutableArray<string>>(StringComparer.Ordinal);
        foreach (var set in _desired.GetValueOrDefault(ns)?.Values ?? Enumerable.Empty<MirrorSet>())
            foreach (var entry in set.Entries)
            {
                var id = $"{ns}/{entry.Name}";
                MirrorCondition Condition(string reason, string message) => new(ns, entry.Name, set.RemoteName, reason, message);
                if (entry.Error is { } error)
                {
                    conditions.Add(Condition(MirrorReasons.Error, error));
                    keep.UnionWith(_written.GetValueOrDefault(id, []));
                    continue;
                }
                if (!present)
                {
                    conditions.Add(Condition(MirrorReasons.MissingNamespace,
                        $"namespace {ns} holds none of this cluster's own resources; apply something there and {entry.Name} is mirrored"));
                    continue;
                }
                var resources = entry.SharedService ? Shared(entry, set.RemoteName, current)
                    : !GatewayAlive && !entry.GatewayDown.IsDefaultOrEmpty ? entry.GatewayDown
                    : entry.Resources;
                if (resources.FirstOrDefault(r => current.TryGetValue(CatalogState.Key(r.Kind, r.Name), out var c) && c.Source != _source) is { } taken)
                {
                    var owner = current[CatalogState.Key(taken.Kind, taken.Name)].Source;
                    conditions.Add(Condition(MirrorReasons.NameConflict,
                        $"{taken.Kind.ToLowerInvariant()} {taken.Name}.{ns} already exists (source {owner}) and is never overwritten; " +
                        $"rename or delete it there, or leave {set.RemoteName} out of the Link's selectors"));
                    continue;
                }
                foreach (var r in resources)
                    upserts[CatalogState.Key(r.Kind, r.Name)] = MirrorAddresses.Stamp(r, _addresses, current.GetValueOrDefault(CatalogState.Key(r.Kind, r.Name)));
                written[id] = [.. resources.Select(r => CatalogState.Key(r.Kind, r.Name))];
                conditions.Add(Condition(MirrorReasons.Mirrored, $"mirrors {set.RemoteName}.{ns} of cluster {cluster}"));
            }
        // A federated service this link made stays while the local member does: a remote member leaving drops only
        // its own slices, and the local member's endpoints remain in it.
        foreach (var local in current.Values.Where(r => r.Kind == "Service" && LocalSelector(r) is not null))
            if (current.TryGetValue(CatalogState.Key("Service", local.Name + MulticlusterNames.FederatedSuffix), out var federated) && federated.Source == _source)
                keep.Add(CatalogState.Key(federated.Kind, federated.Name));
        var deletes = current.Values
            .Where(r => r.Source == _source && !upserts.ContainsKey(CatalogState.Key(r.Kind, r.Name)) && !keep.Contains(CatalogState.Key(r.Kind, r.Name)))
            .OrderBy(r => r.Kind, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal)
            .Select(r => new ResourceKey(r.Kind, r.Name)).ToList();
        return new NamespacePlan([.. upserts.Values], deletes, conditions.ToImmutable(), written);
    }

    /// <summary>A federated service's resources as this link writes them: its Service only when no other link holds
    /// it already (every link adds just its own slices), with the local member's selector so the local endpoints join.</summary>
    private ImmutableArray<StoredResource> Shared(MirrorEntry entry, string remoteName, Dictionary<string, StoredResource> current)
    {
        var result = ImmutableArray.CreateBuilder<StoredResource>();
        foreach (var r in entry.Resources)
        {
            if (r.Kind != "Service" || r.Name != entry.Name)
            {
                result.Add(r);
                continue;
            }
            if (current.TryGetValue(CatalogState.Key(r.Kind, r.Name), out var held) && held.Source != _source
                && held.Source.StartsWith(ResourceSources.LinkPrefix, StringComparison.Ordinal))
                continue;
            result.Add(current.TryGetValue(CatalogState.Key("Service", remoteName), out var local) && LocalSelector(local) is { } selector
                ? r with { Json = WithSelector(r.Json, selector) }
                : r);
        }
        return result.ToImmutable();
    }

    /// <summary>The selector of a local federated member (not a mirror), or null.</summary>
    private static JsonObject? LocalSelector(StoredResource local)
    {
        if (local.Source.StartsWith(ResourceSources.LinkPrefix, StringComparison.Ordinal)) return null;
        var doc = JsonNode.Parse(local.Json)!.AsObject();
        var member = doc["metadata"]?["labels"]?[MulticlusterNames.FederatedLabel]?.GetValue<string>() == MulticlusterNames.FederatedMember;
        return member && doc["spec"]?["selector"] is JsonObject { Count: > 0 } selector ? selector : null;
    }

    private static string WithSelector(string json, JsonObject selector)
    {
        var doc = JsonNode.Parse(json)!.AsObject();
        doc["spec"]!["selector"] = selector.DeepClone();
        return doc.ToJsonString();
    }

    /// <summary>Deletes this link's resources in <paramref name="ns"/> (unlink); answers what was deleted.</summary>
    public async Task<ImmutableArray<string>> DeleteOwnedAsync(string ns)
    {
        var catalog = grains.GetGrain<ICatalogGrain>(ns);
        var owned = (await catalog.ListAsync(null)).Where(r => r.Source == _source).Select(r => new ResourceKey(r.Kind, r.Name)).ToImmutableArray();
        _conditions.Remove(ns);
        if (owned.IsEmpty) return [];
        var result = await catalog.WriteAsync(new CatalogBatch(_source, await nextEpoch(), [], owned));
        if (!result.Ok) throw new InvalidOperationException($"catalog of {ns} refused deleting link {cluster}'s resources: {result.Error}");
        return [.. result.Deleted.Select(k => $"{k.Kind.ToLowerInvariant()} {ns}/{k.Name}")];
    }

    /// <summary>Namespaces where the catalog holds resources of this link.</summary>
    public async Task<ImmutableArray<string>> OwnedNamespacesAsync()
    {
        var namespaces = await grains.GetGrain<INamespaceDirectoryGrain>(NamespaceDirectoryGrain.Key).ListAsync();
        var result = ImmutableArray.CreateBuilder<string>();
        foreach (var ns in namespaces)
            if ((await grains.GetGrain<ICatalogGrain>(ns).ListAsync(null)).Any(r => r.Source == _source)) result.Add(ns);
        return result.ToImmutable();
    }

    public void Clear()
    {
        _addresses = ImmutableDictionary<string, ImmutableArray<string>>.Empty;
        _desired.Clear();
        _conditions.Clear();
        _written.Clear();
    }
}
