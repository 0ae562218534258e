using System.Collections.Immutable;

namespace Mesh.Abstractions.Model;

/// <summary>One view of a partition grain at one version: its key in the partition and its value.</summary>
[GenerateSerializer, Immutable, Alias("mesh.KeyedView`1")]
public sealed record KeyedView<T>([property: Id(0)] string Key, [property: Id(1)] long Version, [property: Id(2)] T Value);

/// <summary>One write of a partition grain (<see cref="Grains.IInboundPoliciesGrain"/>, <see cref="Grains.IAddressesGrain"/>)
/// as it publishes and logs it: the views that changed, each with its own new version. <see cref="Sequence"/> counts the
/// partition's writes (the log's order); a reader of one view follows that view's version only.</summary>
[GenerateSerializer, Immutable, Alias("mesh.ViewPartitionChange`1")]
public sealed record ViewPartitionChange<T>([property: Id(0)] long Sequence, [property: Id(1)] ImmutableArray<KeyedView<T>> Views);
