using System.Collections.Immutable;
using Mesh.Abstractions.Grains;

namespace Mesh.Grains.Catalog;

/// <summary>Decides what one writer's batch does to a namespace's resources: refused (malformed, stale epoch, another
/// source's resource) or the next resources with an outcome per upsert and the keys deleted. Pure, shared by the catalog
/// grain and the admin API's dry run.</summary>
public static class CatalogWritePlanner
{
    public sealed record Plan(ImmutableDictionary<string, StoredResource> Resources, ImmutableArray<ApplyOutcome> Outcomes, ImmutableArray<ResourceKey> Deleted)
    {
        public bool Changed => !Deleted.IsEmpty || Outcomes.Any(o => o.Action != ApplyAction.Unchanged);

        public CatalogWriteResult Result => new(CatalogWriteStatus.Applied, Outcomes, Deleted);
    }

    /// <param name="current">Stored resources by "Kind/name".</param>
    /// <param name="lastEpoch">The source's last epoch in this namespace (0: none yet).</param>
    /// <returns>The plan, or the answer when nothing is to be written: a refusal, or Repeated for the last epoch again.</returns>
    public static (Plan? Plan, CatalogWriteResult? Answer) Compute(string ns, ImmutableDictionary<string, StoredResource> current, long lastEpoch, CatalogBatch batch)
    {
        if (Check(ns, lastEpoch, batch) is { } refused) return (null, refused);
        foreach (var key in batch.Upserts.Select(r => new ResourceKey(r.Kind, r.Name)).Concat(batch.Deletes))
            if (current.TryGetValue(CatalogState.Key(key.Kind, key.Name), out var old) && old.Source != batch.Source)
                return (null, CatalogWriteResult.Refused(CatalogWriteStatus.Conflict,
                    $"{key.Kind.ToLowerInvariant()} {key.Name}.{ns} is {ResourceSources.OwnedBy(old.Source)} (source {old.Source}); nothing was written",
                    old.Source, key));

        var applied = ApplyPlanner.Compute(current, batch.Upserts.Select(r => r with { Source = batch.Source }));
        var resources = applied.Resources;
        var deleted = ImmutableArray.CreateBuilder<ResourceKey>();
        foreach (var key in batch.Deletes)
        {
            var k = CatalogState.Key(key.Kind, key.Name);
            if (!resources.ContainsKey(k)) continue;
            resources = resources.Remove(k);
            deleted.Add(key);
        }
        return (new Plan(resources, applied.Outcomes, deleted.ToImmutable()), null);
    }

    /// <summary>The batch a relist amounts to: the source's set upserted, and its resources here that the set no longer
    /// holds deleted. Other sources' resources are never in the deletes.</summary>
    public static CatalogBatch FromReplace(ImmutableDictionary<string, StoredResource> current, CatalogReplace replace)
    {
        var kept = replace.Resources.IsDefault ? [] : replace.Resources.Select(r => CatalogState.Key(r.Kind, r.Name)).ToHashSet();
        var deletes = current.Values
            .Where(r => r.Source == replace.Source && !kept.Contains(CatalogState.Key(r.Kind, r.Name)))
            .OrderBy(r => r.Kind, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal)
            .Select(r => new ResourceKey(r.Kind, r.Name))
            .ToImmutableArray();
        return new CatalogBatch(replace.Source, replace.Epoch, replace.Resources.IsDefault ? [] : replace.Resources, deletes);
    }

    private static CatalogWriteResult? Check(string ns, long lastEpoch, CatalogBatch batch)
    {
        if (ResourceSources.Validate(batch.Source) is { } bad) return Invalid(bad);
        if (batch.Epoch < 0) return Invalid($"epoch {batch.Epoch}: must be 0 (none) or more");
        if (batch.Epoch == 0 && batch.Source != ResourceSources.Apply)
            return Invalid($"source {batch.Source} sent no epoch: every write but apply's carries one (1 or more, increasing)");
        if (batch.Epoch > 0 && batch.Epoch < lastEpoch)
            return CatalogWriteResult.Refused(CatalogWriteStatus.StaleEpoch,
                $"epoch {batch.Epoch} of {batch.Source} is older than its last write here ({lastEpoch}): refused (a newer writer took over)");
        if (batch.Upserts.IsDefault || batch.Deletes.IsDefault) return Invalid("upserts and deletes must both be sent (empty for none)");

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in batch.Upserts)
        {
            if (string.IsNullOrEmpty(r.Kind) || string.IsNullOrEmpty(r.Name)) return Invalid("an upsert has no kind or name");
            if (r.Namespace != ns) return Invalid($"{r.Kind} {r.Name}: namespace '{r.Namespace}' sent to the catalog of '{ns}'");
            if (string.IsNullOrEmpty(r.Json)) return Invalid($"{r.Kind} {r.Name}: no document");
            if (!seen.Add(CatalogState.Key(r.Kind, r.Name))) return Invalid($"{r.Kind} {r.Name}.{ns} is upserted twice in one batch");
        }
        var deletes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in batch.Deletes)
        {
            if (string.IsNullOrEmpty(key.Kind) || string.IsNullOrEmpty(key.Name)) return Invalid("a delete has no kind or name");
            var k = CatalogState.Key(key.Kind, key.Name);
            if (seen.Contains(k)) return Invalid($"{key.Kind} {key.Name}.{ns} is both upserted and deleted in one batch");
            if (!deletes.Add(k)) return Invalid($"{key.Kind} {key.Name}.{ns} is deleted twice in one batch");
        }
        // The source's last epoch again: a retry of a batch that was applied (its answer may have been lost).
        return batch.Epoch > 0 && batch.Epoch == lastEpoch ? new CatalogWriteResult(CatalogWriteStatus.Repeated, [], []) : null;
    }

    private static CatalogWriteResult Invalid(string error) => CatalogWriteResult.Refused(CatalogWriteStatus.Invalid, error + "; nothing was written");
}
