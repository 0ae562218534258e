using System.Collections.Immutable;

namespace Mesh.Abstractions.Grains;

/// <summary>The source-of-truth resources of one namespace (what `mesh apply`, the Kubernetes sync or a federation
/// link wrote), keyed by namespace. After every change it re-derives the namespace's views and writes the ones that
/// changed into the Service / EndpointSet / Profile / InboundPolicy grains.</summary>
[Alias("mesh.ICatalogGrain")]
public interface ICatalogGrain : IGrainWithStringKey
{
    /// <summary>Stores already-validated resources of this namespace (all or nothing).</summary>
    [Alias("Apply")] Task<ImmutableArray<ApplyOutcome>> ApplyAsync(ImmutableArray<StoredResource> resources);
    /// <summary>Deletes one resource; false if it did not exist.</summary>
    [Alias("Delete")] Task<bool> DeleteAsync(string kind, string name);
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

/// <summary>A resource as stored: its identity and its canonical JSON document (apiVersion, kind, metadata, spec).</summary>
[GenerateSerializer, Immutable, Alias("mesh.StoredResource")]
public sealed record StoredResource(
    [property: Id(0)] string Kind,
    [property: Id(1)] string Namespace,
    [property: Id(2)] string Name,
    [property: Id(3)] string Json,
    [property: Id(4)] long Generation);

public enum ApplyAction { Created = 0, Configured = 1, Unchanged = 2 }

[GenerateSerializer, Immutable, Alias("mesh.ApplyOutcome")]
public sealed record ApplyOutcome(
    [property: Id(0)] string Kind,
    [property: Id(1)] string Namespace,
    [property: Id(2)] string Name,
    [property: Id(3)] ApplyAction Action);
