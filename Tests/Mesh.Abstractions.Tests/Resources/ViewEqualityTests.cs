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
}
