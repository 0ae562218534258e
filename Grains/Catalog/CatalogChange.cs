using System.Collections.Immutable;
using Mesh.Abstractions.Grains;

namespace Mesh.Grains.Catalog;

/// <summary>One logged change of a <see cref="CatalogState"/>: the resources written and deleted, the epochs set, and
/// how each list of derived names moved. <see cref="Between"/> makes it from two states, <see cref="ApplyTo"/> replays it,
/// so <c>ApplyTo(Between(a, b), a)</c> equals b. A resource is compared by instance: the catalog keeps the instances of
/// resources a write left alone (<see cref="ApplyPlanner"/>), so only written ones are logged.</summary>
[GenerateSerializer, Immutable, Alias("mesh.CatalogChange")]
public sealed record CatalogChange(
    [property: Id(0)] long Sequence,
    [property: Id(1)] ImmutableArray<StoredResource> Upserts,
    [property: Id(2)] ImmutableArray<string> Deletes,
    [property: Id(3)] ImmutableDictionary<string, long> Epochs,
    [property: Id(4)] NameChanges? Services,
    [property: Id(5)] NameChanges? Workloads,
    [property: Id(6)] NameChanges? ConsumerTargets,
    [property: Id(7)] NameChanges? Addresses,
    [property: Id(8)] NameChanges? ServiceAddresses)
{
    /// <summary>The change from <paramref name="before"/> to <paramref name="after"/>, numbered <paramref name="sequence"/>.</summary>
    public static CatalogChange Between(long sequence, CatalogState before, CatalogState after)
    {
        var upserts = ImmutableArray.CreateBuilder<StoredResource>();
        if (!ReferenceEquals(before.Resources, after.Resources))
            foreach (var (key, r) in after.Resources)
                if (!before.Resources.TryGetValue(key, out var old) || !ReferenceEquals(old, r)) upserts.Add(r);
        var deletes = ReferenceEquals(before.Resources, after.Resources) ? []
            : before.Resources.Keys.Where(k => !after.Resources.ContainsKey(k)).ToImmutableArray();
        var epochs = after.SourceEpochs.Where(e => before.SourceEpochs.GetValueOrDefault(e.Key) != e.Value).ToImmutableDictionary();
        return new CatalogChange(sequence, upserts.ToImmutable(), deletes, epochs,
            NameChanges.Between(before.DerivedServices, after.DerivedServices), NameChanges.Between(before.DerivedWorkloads, after.DerivedWorkloads),
            NameChanges.Between(before.DerivedConsumerTargets, after.DerivedConsumerTargets),
            NameChanges.Between(before.DerivedAddresses, after.DerivedAddresses),
            NameChanges.Between(before.DerivedServiceAddresses, after.DerivedServiceAddresses));
    }

    public CatalogState ApplyTo(CatalogState state) => state with
    {
        Resources = state.Resources.RemoveRange(Deletes.IsDefault ? [] : Deletes)
            .SetItems((Upserts.IsDefault ? [] : Upserts).Select(r => KeyValuePair.Create(CatalogState.Key(r.Kind, r.Name), r))),
        SourceEpochs = state.SourceEpochs.SetItems(Epochs ?? ImmutableDictionary<string, long>.Empty),
        DerivedServices = NameChanges.Apply(Services, state.DerivedServices),
        DerivedWorkloads = NameChanges.Apply(Workloads, state.DerivedWorkloads),
        DerivedConsumerTargets = NameChanges.Apply(ConsumerTargets, state.DerivedConsumerTargets),
        DerivedAddresses = NameChanges.Apply(Addresses, state.DerivedAddresses),
        DerivedServiceAddresses = NameChanges.Apply(ServiceAddresses, state.DerivedServiceAddresses),
        Sequence = Sequence,
    };

    /// <summary>The state a snapshot and the changes logged after it make. Changes at or below the snapshot's sequence
    /// are in it already (a crash after the snapshot, before the log was cleared); the rest must follow one another.</summary>
    public static CatalogState Replay(string ns, CatalogState snapshot, IEnumerable<CatalogChange> log)
    {
        var state = snapshot;
        foreach (var change in log)
        {
            if (change.Sequence <= state.Sequence) continue;
            if (change.Sequence != state.Sequence + 1)
                throw new InvalidOperationException(
                    $"catalog {ns}: logged change {change.Sequence} does not follow {state.Sequence}; the stored log is corrupt");
            state = change.ApplyTo(state);
        }
        return state;
    }
}

/// <summary>How one sorted list of derived names moved: names added and removed (null on a change: unchanged).</summary>
[GenerateSerializer, Immutable, Alias("mesh.NameChanges")]
public sealed record NameChanges([property: Id(0)] ImmutableArray<string> Added, [property: Id(1)] ImmutableArray<string> Removed)
{
    public static NameChanges? Between(ImmutableArray<string> before, ImmutableArray<string> after)
    {
        if (before == after || before.SequenceEqual(after)) return null;
        var old = before.ToHashSet(StringComparer.Ordinal);
        var now = after.ToHashSet(StringComparer.Ordinal);
        return new NameChanges([.. after.Where(n => !old.Contains(n))], [.. before.Where(n => !now.Contains(n))]);
    }

    /// <summary>The list after the change, in ordinal order as derived lists are kept.</summary>
    public static ImmutableArray<string> Apply(NameChanges? change, ImmutableArray<string> names)
    {
        if (change is null) return names;
        var removed = (change.Removed.IsDefault ? [] : change.Removed).ToHashSet(StringComparer.Ordinal);
        return [.. names.Where(n => !removed.Contains(n)).Concat(change.Added.IsDefault ? [] : change.Added)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }
}
