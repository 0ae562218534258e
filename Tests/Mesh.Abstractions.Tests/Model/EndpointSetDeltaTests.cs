using System.Collections.Immutable;
using CsCheck;
using Mesh.Abstractions.Model;
using Mesh.Abstractions.Resources;

namespace Mesh.Abstractions.Tests.Model;

/// <summary>Endpoint-set deltas: applying the delta between two sets to the first gives the second, and a delta that
/// does not fit the set it is applied to is refused rather than applied.</summary>
public sealed class EndpointSetDeltaTests
{
    private static WorkloadEndpoint Endpoint(int workload, int address, bool ready) =>
        new($"w{workload}", $"10.0.0.{address}", ImmutableDictionary<string, int>.Empty.Add("http", 7001), "spiffe://x/ns/shop/sa/a", 4143, 4191,
            null, 1, ready, ImmutableDictionary<string, string>.Empty);

    /// <summary>A set in key order: each (workload, address) at most once, readiness random.</summary>
    private static readonly Gen<EndpointSetView> GenSet = Gen.Select(Gen.Int[0, 5], Gen.Int[1, 4], Gen.Bool).Array[0, 12]
        .Select(es => new EndpointSetView("shop", "books",
            [.. es.DistinctBy(e => (e.Item1, e.Item2)).Select(e => Endpoint(e.Item1, e.Item2, e.Item3)).OrderBy(EndpointKey.Of)]));

    [Fact]
    public void ApplyTo_DeltaBetweenTwoSets_GivesTheSecond()
    {
        Gen.Select(GenSet, GenSet).Sample((before, after) =>
        {
            var change = EndpointSetChange.Between(2, before, after);
            Assert.Null(change.Snapshot);
            var applied = change.ApplyTo(before);
            Assert.NotNull(applied);
            Assert.True(ViewEquality.Equal(after, applied));
            Assert.True(change.Upserts.Length + change.Removals.Length <= before.Endpoints.Length + after.Endpoints.Length);
        });
    }

    [Fact]
    public void ApplyTo_DeltaOfOtherSets_RefusedOrExact()
    {
        // A delta applied to a set it was not made from: refused when a removal names an endpoint the set lacks;
        // never a set with an endpoint twice or out of order.
        Gen.Select(GenSet, GenSet, GenSet).Sample((before, after, other) =>
        {
            var applied = EndpointSetChange.Between(2, before, after).ApplyTo(other);
            if (applied is not null) Assert.True(EndpointSetDelta.Ordered(applied.Endpoints));
        });
    }

    [Fact]
    public void Between_SetNotInKeyOrder_SendsTheWholeSet()
    {
        var unordered = new EndpointSetView("shop", "books", [Endpoint(2, 1, true), Endpoint(1, 1, true)]);
        var change = EndpointSetChange.Between(3, EndpointSetView.Empty("shop", "books"), unordered);
        Assert.Same(unordered, change.Snapshot);
        Assert.Same(unordered, change.ApplyTo(EndpointSetView.Empty("shop", "books")));
    }

    [Fact]
    public void Apply_RemovalOfAnAbsentEndpointOrUnorderedUpserts_Refused()
    {
        var set = new EndpointSetView("shop", "books", [Endpoint(1, 1, true)]);
        Assert.Null(EndpointSetDelta.Apply(set, [], [new EndpointKey("w9", "10.0.0.1")]));
        Assert.Null(EndpointSetDelta.Apply(set, [Endpoint(3, 1, true), Endpoint(2, 1, true)], []));
        Assert.Null(EndpointSetDelta.Apply(set, [Endpoint(1, 1, false)], [new EndpointKey("w1", "10.0.0.1")]));
    }
}
