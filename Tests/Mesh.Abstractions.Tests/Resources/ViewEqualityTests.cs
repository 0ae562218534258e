using CsCheck;
using System.Collections.Immutable;
using Mesh.Abstractions.Model;
using Mesh.Abstractions.Resources;

namespace Mesh.Abstractions.Tests.Resources;

public sealed class ViewEqualityTests
{
    private static EndpointSetView Set(params string[] addresses) => new("default", "books",
        [.. addresses.Select(a => new WorkloadEndpoint("w", a, ImmutableDictionary<string, int>.Empty.Add("http", 7001).Add("7001", 7001),
            null, null, null, null, 1, true, ImmutableDictionary<string, string>.Empty.Add("app", "books")))]);

    [Fact]
    public void Equal_SameContentSeparateInstances_True()
    {
        var a = Set("127.0.0.11", "127.0.0.12");
        var b = Set("127.0.0.11", "127.0.0.12");

        Assert.NotEqual(a, b); // why ViewEquality exists: ImmutableArray compares references
        Assert.True(ViewEquality.Equal(a, b));
    }

    [Fact]
    public void Equal_DifferentEndpointOrderOrValue_False()
    {
        Assert.False(ViewEquality.Equal(Set("127.0.0.11", "127.0.0.12"), Set("127.0.0.12", "127.0.0.11")));
        Assert.False(ViewEquality.Equal(Set("127.0.0.11"), Set("127.0.0.11", "127.0.0.12")));
        var ready = Set("127.0.0.11");
        var notReady = ready with { Endpoints = [ready.Endpoints[0] with { Ready = false }] };
        Assert.False(ViewEquality.Equal(ready, notReady));
    }

    [Fact]
    public void Equal_DictionariesBuiltInDifferentOrder_True()
    {
        var a = ImmutableDictionary<string, string>.Empty.Add("a", "1").Add("b", "2");
        var b = ImmutableDictionary<string, string>.Empty.Add("b", "2").Add("a", "1");
        var va = new ServiceView("default", "s", [], a, a, a);
        var vb = new ServiceView("default", "s", [], b, b, b);

        Assert.True(ViewEquality.Equal(va, vb));
        Assert.False(ViewEquality.Equal(va, vb with { Labels = b.SetItem("a", "other") }));
    }

    [Fact]
    public void Equal_DefaultAndEmptyArray_True()
    {
        var a = ProfileView.Default("default", "books") with { Routes = default };

        Assert.True(ViewEquality.Equal(a, ProfileView.Default("default", "books")));
        Assert.False(ViewEquality.Equal<ProfileView>(a, null));
        Assert.True(ViewEquality.Equal<ProfileView>(null, null));
    }

    /// <summary>The compiled comparison agrees with a hand-written one on endpoint sets drawn from a small domain (so
    /// equal and nearly equal pairs are common), whatever order their dictionaries were built in.</summary>
    [Fact]
    public void Equal_RandomEndpointSets_AgreesWithFieldByFieldComparison()
    {
        var pairs = Gen.Select(Gen.OneOf<string>("http", "admin"), Gen.Int[7000, 7001]).Array[0, 2];
        var endpoint = Gen.Select(Gen.OneOf<string>("w1", "w2"), Gen.OneOf<string>("10.0.0.1", "10.0.0.2"), pairs, Gen.OneOf<string?>(null, "id"),
            Gen.OneOf<string?>(null, "zone-a"), Gen.Bool, Gen.Bool)
            .Select((w, a, ports, id, zone, ready, reversed) => new WorkloadEndpoint(w, a, Dictionary(ports, reversed), id, 4143, null, zone, 1, ready,
                ImmutableDictionary<string, string>.Empty.Add("app", "books")));
        var set = endpoint.Array[0, 3].Select(e => new EndpointSetView("shop", "books", [.. e]));
        Gen.Select(set, set).Sample((a, b) =>
            Assert.Equal(a.Endpoints.Length == b.Endpoints.Length && a.Endpoints.Zip(b.Endpoints).All(p => Same(p.First, p.Second)), ViewEquality.Equal(a, b)));
    }

    private static ImmutableDictionary<string, int> Dictionary((string Name, int Port)[] ports, bool reversed) =>
        (reversed ? ports.Reverse() : ports).Aggregate(ImmutableDictionary<string, int>.Empty, (d, p) => d.SetItem(p.Name, p.Port));

    private static bool Same(WorkloadEndpoint a, WorkloadEndpoint b) =>
        a.Workload == b.Workload && a.Address == b.Address && a.Identity == b.Identity && a.ProxyInboundPort == b.ProxyInboundPort
        && a.ProxyAdminPort == b.ProxyAdminPort && a.Zone == b.Zone && a.Weight == b.Weight && a.Ready == b.Ready
        && a.AuthorityOverride == b.AuthorityOverride && a.Cluster == b.Cluster
        && a.Ports.Count == b.Ports.Count && a.Ports.All(p => b.Ports.TryGetValue(p.Key, out var v) && v == p.Value)
        && a.Labels.Count == b.Labels.Count && a.Labels.All(l => b.Labels.TryGetValue(l.Key, out var v) && v == l.Value);
}
