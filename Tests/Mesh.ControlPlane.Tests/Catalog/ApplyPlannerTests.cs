using System.Collections.Immutable;
using Mesh.Abstractions.Grains;
using Mesh.Grains.Catalog;

namespace Mesh.ControlPlane.Tests.Catalog;

public sealed class ApplyPlannerTests
{
    private static StoredResource R(string name, string json) => new("Service", "default", name, json, 0);

    [Fact]
    public void Compute_NewChangedSame_CreatedConfiguredUnchangedWithGenerations()
    {
        var current = ImmutableDictionary<string, StoredResource>.Empty
            .Add("Service/a", R("a", "{\"v\":1}") with { Generation = 3 })
            .Add("Service/b", R("b", "{\"v\":1}") with { Generation = 1 });
        var plan = ApplyPlanner.Compute(current, [R("a", "{\"v\":2}"), R("b", "{\"v\":1}"), R("c", "{}")]);

        Assert.Equal([ApplyAction.Configured, ApplyAction.Unchanged, ApplyAction.Created], plan.Outcomes.Select(o => o.Action));
        Assert.Equal(4, plan.Resources["Service/a"].Generation);
        Assert.Equal(1, plan.Resources["Service/b"].Generation);
        Assert.Equal(1, plan.Resources["Service/c"].Generation);
        Assert.True(plan.Changed);
    }

    [Fact]
    public void Compute_AllUnchanged_NotChanged()
    {
        var current = ImmutableDictionary<string, StoredResource>.Empty.Add("Service/a", R("a", "{}") with { Generation = 1 });
        Assert.False(ApplyPlanner.Compute(current, [R("a", "{}")]).Changed);
    }
}
