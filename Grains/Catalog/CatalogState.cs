using System.Collections.Immutable;
using Mesh.Abstractions.Grains;

namespace Mesh.Grains.Catalog;

/// <summary>Persisted resources of one namespace, keyed "&lt;Kind&gt;/&lt;name&gt;", plus the names of the views the
/// last derivation produced (so a reactivated catalog still knows what to delete). Stored as a snapshot ("state") and the
/// changes written since (<see cref="CatalogChange"/>, "log"): one write stores the change, not the namespace.</summary>
[GenerateSerializer, Alias("mesh.CatalogState")]
public sealed record CatalogState
{
    [Id(0)] public ImmutableDictionary<string, StoredResource> Resources { get; init; } = ImmutableDictionary<string, StoredResource>.Empty;
    [Id(1)] public ImmutableArray<string> DerivedServices { get; init; } = [];
    [Id(2)] public ImmutableArray<string> DerivedWorkloads { get; init; } = [];
    /// <summary>Services in other namespaces this namespace's consumer routes attached to ("&lt;ns&gt;/&lt;name&gt;").</summary>
    [Id(3)] public ImmutableArray<string> DerivedConsumerTargets { get; init; } = [];
    /// <summary>Address grain keys this namespace's workloads claimed.</summary>
    [Id(4)] public ImmutableArray<string> DerivedAddresses { get; init; } = [];
    /// <summary>The last epoch each source wrote here with (<see cref="CatalogBatch.Epoch"/>); absent in older state.</summary>
    [Id(5)] public ImmutableDictionary<string, long> SourceEpochs { get; init; } = ImmutableDictionary<string, long>.Empty;
    /// <summary>Address grain keys this namespace's Services claimed by cluster IP; absent in older state.</summary>
    [Id(6)] public ImmutableArray<string> DerivedServiceAddresses { get; init; } = [];
    /// <summary>The last <see cref="CatalogChange.Sequence"/> this state holds (0: none; older state).</summary>
    [Id(7)] public long Sequence { get; init; }

    public static string Key(string kind, string name) => $"{kind}/{name}";
}
