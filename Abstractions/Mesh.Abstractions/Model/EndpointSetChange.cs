using System.Collections.Immutable;

namespace Mesh.Abstractions.Model;

/// <summary>Which endpoint of a set: its workload and address (a workload serves one endpoint per address).</summary>
[GenerateSerializer, Immutable, Alias("mesh.EndpointKey")]
public readonly record struct EndpointKey([property: Id(0)] string Workload, [property: Id(1)] string Address) : IComparable<EndpointKey>
{
    public static EndpointKey Of(WorkloadEndpoint e) => new(e.Workload, e.Address);

    public int CompareTo(EndpointKey other)
    {
        var byWorkload = string.CompareOrdinal(Workload, other.Workload);
        return byWorkload != 0 ? byWorkload : string.CompareOrdinal(Address, other.Address);
    }
}

/// <summary>One version of a Service's endpoint set as its grain publishes it (and logs it): the whole set
/// (<see cref="Snapshot"/>), or the endpoints upserted and removed against the set at <see cref="Version"/> − 1. A
/// delta applies to exactly that version; a holder of any other re-reads the grain (never guesses).</summary>
[GenerateSerializer, Immutable, Alias("mesh.EndpointSetChange")]
public sealed record EndpointSetChange(
    [property: Id(0)] long Version,
    [property: Id(1)] EndpointSetView? Snapshot,
    [property: Id(2)] ImmutableArray<WorkloadEndpoint> Upserts,
    [property: Id(3)] ImmutableArray<EndpointKey> Removals)
{
    public static EndpointSetChange Whole(long version, EndpointSetView view) => new(version, view, [], []);

    /// <summary>The change from <paramref name="before"/> (at <paramref name="version"/> − 1) to <paramref name="after"/>:
    /// a delta when both sets are in key order without duplicates (what derivation produces for Workloads and
    /// EndpointSlices), otherwise the whole set, because a delta could not say where an endpoint goes.</summary>
    public static EndpointSetChange Between(long version, EndpointSetView before, EndpointSetView after) =>
        EndpointSetDelta.Compute(before, after) is var (upserts, removals) ? new(version, null, upserts, removals) : Whole(version, after);

    /// <summary>The set at <see cref="Version"/>, from <paramref name="previous"/>, the set at <see cref="Version"/> − 1;
    /// null when this delta cannot be applied to it (it is not in key order, or the delta is malformed).</summary>
    public EndpointSetView? ApplyTo(EndpointSetView previous) =>
        Snapshot ?? EndpointSetDelta.Apply(previous, Upserts.IsDefault ? [] : Upserts, Removals.IsDefault ? [] : Removals);
}

/// <summary>Deltas between endpoint sets kept in <see cref="EndpointKey"/> order. Pure.</summary>
public static class EndpointSetDelta
{
    /// <summary>Upserts (new or changed endpoints) and removals, both in key order; null when either set is not in
    /// strict key order or the sets belong to different Services.</summary>
    public static (ImmutableArray<WorkloadEndpoint> Upserts, ImmutableArray<EndpointKey> Removals)? Compute(EndpointSetView before, EndpointSetView after)
    {
        if (before.Namespace != after.Namespace || before.Service != after.Service || !Ordered(before.Endpoints) || !Ordered(after.Endpoints))
            return null;
        var upserts = ImmutableArray.CreateBuilder<WorkloadEndpoint>();
        var removals = ImmutableArray.CreateBuilder<EndpointKey>();
        int i = 0, j = 0;
        var (a, b) = (before.Endpoints, after.Endpoints);
        while (i < a.Length || j < b.Length)
        {
            var order = i == a.Length ? 1 : j == b.Length ? -1 : EndpointKey.Of(a[i]).CompareTo(EndpointKey.Of(b[j]));
            if (order < 0) removals.Add(EndpointKey.Of(a[i++]));
            else if (order > 0) upserts.Add(b[j++]);
            else
            {
                if (!ReferenceEquals(a[i], b[j]) && !Resources.ViewEquality.Equal(a[i], b[j])) upserts.Add(b[j]);
                i++;
                j++;
            }
        }
        return (upserts.ToImmutable(), removals.ToImmutable());
    }

    /// <summary>The set with <paramref name="removals"/> taken out and <paramref name="upserts"/> put in key order;
    /// null when the set or the delta is not in strict key order (a delta from elsewhere is checked, not trusted).</summary>
    public static EndpointSetView? Apply(EndpointSetView previous, ImmutableArray<WorkloadEndpoint> upserts, ImmutableArray<EndpointKey> removals)
    {
        if (!Ordered(previous.Endpoints) || !Ordered(upserts)) return null;
        for (var k = 1; k < removals.Length; k++)
            if (removals[k - 1].CompareTo(removals[k]) >= 0) return null;
        var result = ImmutableArray.CreateBuilder<WorkloadEndpoint>(previous.Endpoints.Length + upserts.Length);
        int i = 0, u = 0, r = 0, matched = 0;
        var a = previous.Endpoints;
        while (i < a.Length || u < upserts.Length)
        {
            var key = i < a.Length ? EndpointKey.Of(a[i]) : default;
            var order = i == a.Length ? 1 : u == upserts.Length ? -1 : key.CompareTo(EndpointKey.Of(upserts[u]));
            if (order > 0)
            {
                result.Add(upserts[u++]);
                continue;
            }
            while (r < removals.Length && removals[r].CompareTo(key) < 0) r++;
            var removed = r < removals.Length && removals[r].CompareTo(key) == 0;
            if (order == 0)
            {
                if (removed) return null; // upserted and removed at once: not a delta Compute makes
                result.Add(upserts[u++]);
            }
            else if (removed) matched++;
            else result.Add(a[i]);
            i++;
        }
        // A removal of an endpoint the set does not hold: the sender's set was another one.
        if (matched != removals.Length) return null;
        return previous with { Endpoints = result.DrainToImmutable() };
    }

    /// <summary>Strictly increasing keys: the order the delta relies on, and no two endpoints under one key.</summary>
    public static bool Ordered(ImmutableArray<WorkloadEndpoint> endpoints)
    {
        for (var k = 1; k < endpoints.Length; k++)
            if (EndpointKey.Of(endpoints[k - 1]).CompareTo(EndpointKey.Of(endpoints[k])) >= 0) return false;
        return true;
    }
}
