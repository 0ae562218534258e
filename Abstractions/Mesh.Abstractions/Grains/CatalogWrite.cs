using System.Collections.Immutable;

namespace Mesh.Abstractions.Grains;

/// <summary>A resource of one namespace by kind and name.</summary>
[GenerateSerializer, Immutable, Alias("mesh.ResourceKey")]
public sealed record ResourceKey([property: Id(0)] string Kind, [property: Id(1)] string Name)
{
    public override string ToString() => $"{Kind}/{Name}";
}

/// <summary>One writer's changes to one namespace, applied all or nothing and reconciled once.</summary>
/// <param name="Source">Who writes (<see cref="ResourceSources"/>); it may change and delete only its own resources.</param>
/// <param name="Epoch">Increases with every batch of this source in this namespace: a batch with the last epoch again is
/// a repeat (nothing happens), one with an older epoch is refused. 0 = no epoch (only for <see cref="ResourceSources.Apply"/>).</param>
/// <param name="Upserts">Resources to create or change; their Source and Generation are ignored.</param>
/// <param name="Deletes">Resources to delete; one that does not exist is not an error.</param>
[GenerateSerializer, Immutable, Alias("mesh.CatalogBatch")]
public sealed record CatalogBatch(
    [property: Id(0)] string Source,
    [property: Id(1)] long Epoch,
    [property: Id(2)] ImmutableArray<StoredResource> Upserts,
    [property: Id(3)] ImmutableArray<ResourceKey> Deletes);

/// <summary>Everything <paramref name="Source"/> now holds in one namespace (a relist): its resources missing from the
/// set are deleted, the rest upserted; other sources' resources are untouched.</summary>
[GenerateSerializer, Immutable, Alias("mesh.CatalogReplace")]
public sealed record CatalogReplace(
    [property: Id(0)] string Source,
    [property: Id(1)] long Epoch,
    [property: Id(2)] ImmutableArray<StoredResource> Resources);

public enum CatalogWriteStatus
{
    /// <summary>Written (or already as sent) and reconciled.</summary>
    Applied = 0,
    /// <summary>The epoch was this source's last one: a retry of a batch already applied; nothing was done.</summary>
    Repeated = 1,
    /// <summary>A resource belongs to another source; nothing was written.</summary>
    Conflict = 2,
    /// <summary>The batch itself is malformed (source, epoch, keys, namespace); nothing was written.</summary>
    Invalid = 3,
    /// <summary>The epoch is older than this source's last one (a writer that was replaced); nothing was written.</summary>
    StaleEpoch = 4,
}

/// <summary>What a catalog write did: per upsert its outcome (in the order sent) and the keys actually deleted; or,
/// for any status but Applied/Repeated, why nothing was written.</summary>
[GenerateSerializer, Immutable, Alias("mesh.CatalogWriteResult")]
public sealed record CatalogWriteResult(
    [property: Id(0)] CatalogWriteStatus Status,
    [property: Id(1)] ImmutableArray<ApplyOutcome> Outcomes,
    [property: Id(2)] ImmutableArray<ResourceKey> Deleted,
    [property: Id(3)] string? Error = null,
    [property: Id(4)] string? Owner = null,
    [property: Id(5)] ResourceKey? Key = null)
{
    public bool Ok => Status is CatalogWriteStatus.Applied or CatalogWriteStatus.Repeated;

    public static CatalogWriteResult Refused(CatalogWriteStatus status, string error, string? owner = null, ResourceKey? key = null) =>
        new(status, [], [], error, owner, key);
}
