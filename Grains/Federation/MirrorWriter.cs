using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;
using Mesh.Grains.Catalog;
using Mesh.Names;

namespace Mesh.Grains.Federation;

/// <summary>The mirrors one link wants, and the one path that writes them: the desired mirrors are diffed against
/// what the catalog records as this link's (source <c>link/&lt;cluster&gt;</c>) and only what differs is written, as
/// one batch — upserts, and deletes of this link's resources that are no longer wanted. Two scopes: a whole namespace
/// (a snapshot, the resync timer, a gateway verdict) or one remote Service (a delta: only the resources its mirrors
/// had or now want are read and written, so a change costs the same with 1 or 1,000 mirrors beside it). Ownership is
/// the catalog's recorded source, never a name: a resource another source owns is never written (NameConflict), and
/// only this link's own resources are ever deleted. Not thread-safe: the link grain calls it under its own lock.</summary>
internal sealed class MirrorWriter(IGrainFactory grains, string cluster, Func<Task<long>> nextEpoch)
{
    private readonly string _source = ResourceSources.Link(cluster);
    private readonly Dictionary<string, SortedDictionary<string, MirrorSet>> _desired = new(StringComparer.Ordinal);
    // Per namespace and remote Service: what became of its mirrors when it was last planned.
    private readonly Dictionary<string, SortedDictionary<string, ImmutableArray<MirrorCondition>>> _conditions = new(StringComparer.Ordinal);
    // What the catalog holds per mirror (namespace/name), as last written or found: an entry that now fails keeps its
    // last good state, and a delta knows which resources the mirror had.
    private readonly Dictionary<string, ImmutableArray<ResourceKey>> _written = new(StringComparer.Ordinal);
    // Namespaces whose last whole sync found resources of this cluster's own there: only those take a delta alone
    // (elsewhere a delta syncs the whole namespace, which decides MissingNamespace).
    private readonly HashSet<string> _present = new(StringComparer.Ordinal);
    // Namespaces where a sync failed (storage, a refusal) since their last whole sync: the resync timer retries them.
    private readonly HashSet<string> _failed = new(StringComparer.Ordinal);
    // The cluster IPs the local API server allocated to this link's mirror Services (Kubernetes mode; see MirrorAddresses).
    private ImmutableDictionary<string, ImmutableArray<string>> _addresses = ImmutableDictionary<string, ImmutableArray<string>>.Empty;

    public string Source => _source;

    /// <summary>Catalog batches this writer had applied (each is one catalog write and one reconcile).</summary>
    public long Writes { get; private set; }

    /// <summary>Upserts and deletes those batches carried.</summary>
    public long ResourcesWritten { get; private set; }

    /// <summary>False while the link's gateway probe says dead: gateway-mode mirrors are written with their
    /// <see cref="MirrorEntry.GatewayDown"/> resources (endpoints not ready, never deleted).</summary>
    public bool GatewayAlive { get; set; } = true;

    public IReadOnlyCollection<string> DesiredNamespaces => _desired.Keys;

    public ImmutableArray<MirrorCondition> Conditions =>
        [.. _conditions.OrderBy(c => c.Key, StringComparer.Ordinal).SelectMany(c => c.Value.Values).SelectMany(c => c)];

    /// <summary>Namespaces whose mirrors may change with nothing arriving from the remote cluster, so the resync
    /// timer syncs them: one that holds nothing of this cluster's own yet, one with a mirror waiting (a name
    /// conflict, an error), one with a federated member (the local member's selector is part of the mirror), one
    /// whose last write failed. A namespace of only Mirrored mirrors changes only by a delta, which writes it at once.</summary>
    public IEnumerable<string> NamespacesToResync() =>
        _desired.Where(d => !_present.Contains(d.Key) || _failed.Contains(d.Key)
                            || d.Value.Values.Any(set => set.Entries.Any(e => e.SharedService))
                            || (_conditions.GetValueOrDefault(d.Key)?.Values.Any(cs => cs.Any(c => c.Reason != MirrorReasons.Mirrored)) ?? false))
            .Select(d => d.Key).ToList();

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

    /// <summary>A delta: one remote Service exported or changed; writes only its mirrors.</summary>
    public Task UpsertAsync(MirrorSet set)
    {
        var previous = Put(set);
        return SyncServiceAsync(set.Namespace, set.RemoteName, previous);
    }

    /// <summary>A delta: one remote Service no longer exported; deletes only its mirrors.</summary>
    public Task RemoveAsync(string ns, string remoteName)
    {
        MirrorSet? previous = null;
        if (_desired.TryGetValue(ns, out var sets) && sets.Remove(remoteName, out previous) && sets.Count == 0) _desired.Remove(ns);
        return SyncServiceAsync(ns, remoteName, previous);
    }

    private MirrorSet? Put(MirrorSet set)
    {
        if (!_desired.TryGetValue(set.Namespace, out var sets)) _desired[set.Namespace] = sets = new(StringComparer.Ordinal);
        sets.Remove(set.RemoteName, out var previous);
        sets[set.RemoteName] = set;
        return previous;
    }

    /// <summary>Makes namespace <paramref name="ns"/> hold exactly this link's wanted mirrors there.</summary>
    public Task SyncAsync(string ns) => SyncAsync(ns, async catalog =>
    {
        var current = (await catalog.ListAsync(null)).ToDictionary(r => Key(r.Kind, r.Name), StringComparer.Ordinal);
        var present = current.Values.Any(r => !IsLink(r.Source));
        if (present) _present.Add(ns);
        else _present.Remove(ns);
        var sets = _desired.GetValueOrDefault(ns)?.Values.ToList() ?? [];
        return new Scope(null, sets, current, [.. current.Values.Where(r => r.Source == _source)], present, MirrorIds: null);
    });

    /// <summary>Makes the mirrors of remote Service <paramref name="remoteName"/> what is wanted now, reading and
    /// writing only the resources they had (<paramref name="previous"/>'s, as written) or now want, and the local
    /// Service of that name (a federated member's selector).</summary>
    private Task SyncServiceAsync(string ns, string remoteName, MirrorSet? previous)
    {
        if (!_present.Contains(ns)) return SyncAsync(ns);
        return SyncAsync(ns, async catalog =>
        {
            var set = _desired.GetValueOrDefault(ns)?.GetValueOrDefault(remoteName);
            var ids = new HashSet<string>(StringComparer.Ordinal);
            var mirrorKeys = new Dictionary<string, ResourceKey>(StringComparer.Ordinal);
            void Add(string kind, string name) => mirrorKeys.TryAdd(Key(kind, name), new ResourceKey(kind, name));
            foreach (var entry in previous?.Entries ?? [])
            {
                ids.Add($"{ns}/{entry.Name}");
                foreach (var k in _written.GetValueOrDefault($"{ns}/{entry.Name}", [])) Add(k.Kind, k.Name);
            }
            foreach (var entry in set?.Entries ?? [])
            {
                ids.Add($"{ns}/{entry.Name}");
                foreach (var r in entry.Resources.Concat(entry.GatewayDown.IsDefault ? [] : entry.GatewayDown)) Add(r.Kind, r.Name);
            }
            // The local Service of that name is read for its selector (a federated member), never deleted: it may
            // even be another remote Service's mirror (remote foo-west's local name is foo's mirror).
            var reads = mirrorKeys.Values.Append(new ResourceKey("Service", remoteName)).DistinctBy(k => Key(k.Kind, k.Name)).ToList();
            var read = await Task.WhenAll(reads.Select(k => catalog.GetAsync(k.Kind, k.Name)));
            var current = read.OfType<StoredResource>().ToDictionary(r => Key(r.Kind, r.Name), StringComparer.Ordinal);
            var owned = current.Values.Where(r => r.Source == _source && mirrorKeys.ContainsKey(Key(r.Kind, r.Name))).ToList();
            return new Scope(remoteName, set is null ? [] : [set], current, owned, Present: true, ids);
        });
    }

    /// <summary>What one sync plans over: the remote Service it is limited to (null: the whole namespace), the sets
    /// wanted there, the catalog's resources it looks at, which of them are this link's mirrors in scope (the only
    /// ones it may delete), whether the namespace holds something of this cluster's own, and the mirrors
    /// (namespace/name) in scope (null: every one of the namespace).</summary>
    private sealed record Scope(string? RemoteName, List<MirrorSet> Sets, Dictionary<string, StoredResource> Current,
        List<StoredResource> Owned, bool Present, HashSet<string>? MirrorIds);

    private async Task SyncAsync(string ns, Func<ICatalogGrain, Task<Scope>> read)
    {
        try
        {
            if (await TrySyncAsync(ns, read) is null) _failed.Remove(ns); // a whole namespace is now as wanted
        }
        catch
        {
            _failed.Add(ns);
            throw;
        }
    }

    /// <summary>Plans and writes one scope; answers the remote Service it was limited to (null: the whole namespace).</summary>
    private async Task<string?> TrySyncAsync(string ns, Func<ICatalogGrain, Task<Scope>> read)
    {
        var catalog = grains.GetGrain<ICatalogGrain>(ns);
        // A write refused for a conflict that appeared meanwhile is planned again with that mirror left out.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var scope = await read(catalog);
            var plan = Plan(ns, scope);
            if (plan.Upserts.Count > 0 || plan.Deletes.Count > 0)
            {
                var result = await catalog.WriteAsync(new CatalogBatch(_source, await nextEpoch(), [.. plan.Upserts], [.. plan.Deletes]));
                if (!result.Ok)
                {
                    if (result.Status != CatalogWriteStatus.Conflict) throw new InvalidOperationException($"catalog of {ns} refused link {cluster}'s mirrors: {result.Error}");
                    continue;
                }
                Writes++;
                ResourcesWritten += plan.Upserts.Count + plan.Deletes.Count;
            }
            // Conditions and counters change together, after the catalog has the batch: the link's status (read
            // between this writer's awaits) never says Mirrored for a mirror the catalog does not hold yet, nor holds a
            // written mirror without its write counted.
            SetConditions(ns, scope.RemoteName, plan.Conditions);
            foreach (var (name, keys) in plan.Written) _written[name] = keys;
            foreach (var name in plan.Gone) _written.Remove(name);
            return scope.RemoteName;
        }
        throw new InvalidOperationException($"catalog of {ns}: mirrors of link {cluster} kept conflicting with writes of other sources");
    }

    private void SetConditions(string ns, string? remoteName, Dictionary<string, ImmutableArray<MirrorCondition>> planned)
    {
        if (remoteName is null) _conditions.Remove(ns);
        else if (_conditions.TryGetValue(ns, out var kept)) kept.Remove(remoteName);
        foreach (var (remote, conditions) in planned)
        {
            if (conditions.IsEmpty) continue;
            if (!_conditions.TryGetValue(ns, out var byRemote)) _conditions[ns] = byRemote = new(StringComparer.Ordinal);
            byRemote[remote] = conditions;
        }
        if (_conditions.TryGetValue(ns, out var left) && left.Count == 0) _conditions.Remove(ns);
    }

    /// <param name="Upserts">Only the resources that differ from the catalog's.</param>
    /// <param name="Written">Per mirror the resources the catalog holds for it once the batch is applied.</param>
    /// <param name="Gone">Mirrors of the scope that hold nothing any more.</param>
    private sealed record ScopePlan(List<StoredResource> Upserts, List<ResourceKey> Deletes,
        Dictionary<string, ImmutableArray<MirrorCondition>> Conditions, Dictionary<string, ImmutableArray<ResourceKey>> Written, List<string> Gone);

    private ScopePlan Plan(string ns, Scope scope)
    {
        var current = scope.Current;
        var wanted = new Dictionary<string, StoredResource>(StringComparer.Ordinal);
        var keep = new HashSet<string>(StringComparer.Ordinal);
        var conditions = new Dictionary<string, ImmutableArray<MirrorCondition>>(StringComparer.Ordinal);
        var written = new Dictionary<string, ImmutableArray<ResourceKey>>(StringComparer.Ordinal);
        foreach (var set in scope.Sets)
        {
            var setConditions = ImmutableArray.CreateBuilder<MirrorCondition>();
            foreach (var entry in set.Entries)
            {
                var id = $"{ns}/{entry.Name}";
                MirrorCondition Condition(string reason, string message) => new(ns, entry.Name, set.RemoteName, reason, message);
                if (entry.Error is { } error)
                {
                    setConditions.Add(Condition(MirrorReasons.Error, error));
                    var last = _written.GetValueOrDefault(id, []);
                    keep.UnionWith(last.Select(k => Key(k.Kind, k.Name)));
                    if (!last.IsEmpty) written[id] = last;
                    continue;
                }
                if (!scope.Present)
                {
                    setConditions.Add(Condition(MirrorReasons.MissingNamespace,
                        $"namespace {ns} holds none of this cluster's own resources; apply something there and {entry.Name} is mirrored"));
                    continue;
                }
                var resources = entry.SharedService ? Shared(entry, set.RemoteName, current)
                    : !GatewayAlive && !entry.GatewayDown.IsDefaultOrEmpty ? entry.GatewayDown
                    : entry.Resources;
                if (resources.FirstOrDefault(r => current.TryGetValue(Key(r.Kind, r.Name), out var c) && c.Source != _source) is { } taken)
                {
                    var owner = current[Key(taken.Kind, taken.Name)].Source;
                    setConditions.Add(Condition(MirrorReasons.NameConflict,
                        $"{taken.Kind.ToLowerInvariant()} {taken.Name}.{ns} already exists (source {owner}) and is never overwritten; " +
                        $"rename or delete it there, or leave {set.RemoteName} out of the Link's selectors"));
                    continue;
                }
                foreach (var r in resources)
                    wanted[Key(r.Kind, r.Name)] = MirrorAddresses.Stamp(r, _addresses, current.GetValueOrDefault(Key(r.Kind, r.Name)));
                written[id] = [.. resources.Select(r => new ResourceKey(r.Kind, r.Name))];
                setConditions.Add(Condition(MirrorReasons.Mirrored, $"mirrors {set.RemoteName}.{ns} of cluster {cluster}"));
            }
            conditions[set.RemoteName] = setConditions.ToImmutable();
        }
        // A federated service this link made stays while the local member does: a remote member leaving drops only
        // its own slices, and the local member's endpoints remain in it.
        foreach (var federated in scope.Owned.Where(r => r.Kind == "Service" && r.Name.EndsWith(MulticlusterNames.FederatedSuffix, StringComparison.Ordinal)))
            if (current.TryGetValue(Key("Service", federated.Name[..^MulticlusterNames.FederatedSuffix.Length]), out var local) && LocalSelector(local) is not null)
                keep.Add(Key(federated.Kind, federated.Name));
        var deletes = scope.Owned
            .Where(r => !wanted.ContainsKey(Key(r.Kind, r.Name)) && !keep.Contains(Key(r.Kind, r.Name)))
            .OrderBy(r => r.Kind, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal)
            .Select(r => new ResourceKey(r.Kind, r.Name)).ToList();
        // Unchanged resources are not sent: a snapshot that matches the catalog writes nothing.
        var upserts = wanted.Where(w => !current.TryGetValue(w.Key, out var c) || c.Json != w.Value.Json).Select(w => w.Value).ToList();
        var gone = (scope.MirrorIds ?? _written.Keys.Where(id => id.StartsWith(ns + "/", StringComparison.Ordinal))).Where(id => !written.ContainsKey(id)).ToList();
        return new ScopePlan(upserts, deletes, conditions, written, gone);
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
            if (current.TryGetValue(Key(r.Kind, r.Name), out var held) && held.Source != _source && IsLink(held.Source))
                continue;
            result.Add(current.TryGetValue(Key("Service", remoteName), out var local) && LocalSelector(local) is { } selector
                ? r with { Json = WithSelector(r.Json, selector) }
                : r);
        }
        return result.ToImmutable();
    }

    private static bool IsLink(string source) => source.StartsWith(ResourceSources.LinkPrefix, StringComparison.Ordinal);

    private static string Key(string kind, string name) => CatalogState.Key(kind, name);

    /// <summary>The selector of a local federated member (not a mirror), or null.</summary>
    private static JsonObject? LocalSelector(StoredResource local)
    {
        if (IsLink(local.Source)) return null;
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
        Writes++;
        ResourcesWritten += owned.Length;
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
        _present.Clear();
        _failed.Clear();
    }
}
