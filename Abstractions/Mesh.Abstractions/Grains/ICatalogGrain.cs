using System.Collections.Immutable;

namespace Mesh.Abstractions.Grains;

/// <summary>The source-of-truth resources of one namespace (what `mesh apply`, the Kubernetes sync or a federation
/// link wrote), keyed by namespace. After every change it re-derives the namespace's views and writes the ones that
/// changed into the Service / EndpointSet / Profile / InboundPolicy grains.</summary>
[Alias("mesh.ICatalogGrain")]
public interface ICatalogGrain : IGrainWithStringKey
{
    /// <summary>One writer's upserts and deletes of already-validated resources of this namespace, all or nothing, then
    /// one reconcile. A resource another source owns is refused (<see cref="CatalogWriteStatus.Conflict"/>).</summary>
    [Alias("Write")] Task<CatalogWriteResult> WriteAsync(CatalogBatch batch);
    /// <summary>A relist: the source's complete set in this namespace becomes the diff against what it holds here.</summary>
    [Alias("Replace")] Task<CatalogWriteResult> ReplaceAsync(CatalogReplace replace);
    [Alias("Get")] Task<StoredResource?> GetAsync(string kind, string name);
    /// <summary>Resources of one kind, or of every kind when kind is null.</summary>
    [Alias("List")] Task<ImmutableArray<StoredResource>> ListAsync(string? kind);
}

/// <summary>Namespaces that have ever held a resource, so lists can span all of them. Single grain, key "mesh".</summary>
[Alias("mesh.INamespaceDirectoryGrain")]
public interface INamespaceDirectoryGrain : IGrainWithStringKey
{
    [Alias("Add")] Task AddAsync(string ns);
    [Alias("List")] Task<ImmutableArray<string>> ListAsync();
}

/// <summary>A resource as stored: its identity, its canonical JSON document (apiVersion, kind, metadata, spec) and who
/// wrote it (<see cref="ResourceSources"/>).</summary>
[GenerateSerializer, Immutable, Alias("mesh.StoredResource")]
public sealed record StoredResource(
    [property: Id(0)] string Kind,
    [property: Id(1)] string Namespace,
    [property: Id(2)] string Name,
    [property: Id(3)] string Json,
    [property: Id(4)] long Generation)
{
    // Null means apply: state stored before sources existed has no such field, and those resources were applied.
    // Apply is kept as null too, so equal resources compare equal however they were made.
    [Id(5)] private readonly string? _source;

    public string Source { get => _source ?? ResourceSources.Apply; init => _source = value == ResourceSources.Apply ? null : value; }
}

public enum ApplyAction { Created = 0, Configured = 1, Unchanged = 2 }

[GenerateSerializer, Immutable, Alias("mesh.ApplyOutcome")]
public sealed record ApplyOutcome(
    [property: Id(0)] string Kind,
    [property: Id(1)] string Namespace,
    [property: Id(2)] string Name,
    [property: Id(3)] ApplyAction Action);
