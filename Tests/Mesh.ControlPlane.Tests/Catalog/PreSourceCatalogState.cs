using System.Collections.Immutable;

namespace Mesh.ControlPlane.Tests.Catalog;

/// <summary>The catalog state as releases before resource sources stored it (CatalogState ids 0-4, StoredResource ids
/// 0-4, no source): the storage tests write it to prove such state still loads.</summary>
[GenerateSerializer, Alias("mesh.test.PreSourceCatalogState")]
public sealed record PreSourceCatalogState
{
    [Id(0)] public ImmutableDictionary<string, PreSourceStoredResource> Resources { get; init; } = ImmutableDictionary<string, PreSourceStoredResource>.Empty;
    [Id(1)] public ImmutableArray<string> DerivedServices { get; init; } = [];
    [Id(2)] public ImmutableArray<string> DerivedWorkloads { get; init; } = [];
    [Id(3)] public ImmutableArray<string> DerivedConsumerTargets { get; init; } = [];
    [Id(4)] public ImmutableArray<string> DerivedAddresses { get; init; } = [];
}

[GenerateSerializer, Immutable, Alias("mesh.test.PreSourceStoredResource")]
public sealed record PreSourceStoredResource(
    [property: Id(0)] string Kind,
    [property: Id(1)] string Namespace,
    [property: Id(2)] string Name,
    [property: Id(3)] string Json,
    [property: Id(4)] long Generation);
