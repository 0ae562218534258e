using System.Collections.Immutable;
using Mesh.ControlPlane.Tests.Support;
using Mesh.Grains.Views;

namespace Mesh.ControlPlane.Tests.Catalog;

public sealed class ViewEqualityTests
{
    [Fact]
    public void Equal_SeparatelyBuiltRecords_True()
    {
        Assert.NotEqual(Views.Service("a"), Views.Service("a")); // the reason this helper exists
        Assert.True(ViewEquality.Equal(Views.Service("a"), Views.Service("a")));
    }

    [Fact]
    public void Equal_DictionaryInsertionOrder_Ignored()
    {
        var x = ImmutableDictionary<string, string>.Empty.Add("a", "1").Add("b", "2");
        var y = ImmutableDictionary<string, string>.Empty.Add("b", "2").Add("a", "1");
        Assert.True(ViewEquality.Equal(Views.Workload("w", "127.0.0.1", labels: x), Views.Workload("w", "127.0.0.1", labels: y)));
    }

    [Fact]
    public void Equal_DifferentValue_False()
    {
        Assert.False(ViewEquality.Equal(Views.Service("a"), Views.Service("a", port: 81)));
        Assert.False(ViewEquality.Equal(Views.Service("a"), null));
    }
}
