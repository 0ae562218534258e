using System.Collections.Immutable;
using Mesh.Abstractions.Model;
using Mesh.Abstractions.Resources;
using Mesh.ControlPlane.Tests.Support;
using Mesh.Grains.Catalog;

namespace Mesh.ControlPlane.Tests.Catalog;

public sealed class ViewWritePlanTests
{
    private static DerivedNamespace Derived(params string[] services) => new(
        services.ToImmutableDictionary(s => s, s => Views.Service(s)),
        services.ToImmutableDictionary(s => s, s => Views.Endpoints(s, Views.Workload(s, "127.0.0.11"))),
        services.ToImmutableDictionary(s => s, s => ProfileView.Default("default", s)),
        services.ToImmutableDictionary(s => s, s => InboundPolicyView.Missing("default", s, DefaultPolicyKind.Deny) with { Exists = true }));

    [Fact]
    public void Compute_EqualRebuiltViews_NoWrites()
    {
        var plan = ViewWritePlan.Compute("default", Derived("a", "b"), Derived("a", "b"), [], [], ReconcileSettings.Default);
        Assert.Equal(0, plan.Count);
    }

    [Fact]
    public void Compute_OneChanged_OnlyThatView()
    {
        var next = Derived("a", "b");
        next = next with { Endpoints = next.Endpoints.SetItem("b", Views.Endpoints("b")) };
        var plan = ViewWritePlan.Compute("default", Derived("a", "b"), next, [], [], ReconcileSettings.Default);
        Assert.Equal(1, plan.Count);
        Assert.Equal("b", plan.Endpoints.Single().Name);
    }

    [Fact]
    public void Compute_ServiceAndWorkloadGone_ClearedViews()
    {
        var plan = ViewWritePlan.Compute("default", Derived("a", "b"), Derived("a"), [], [], ReconcileSettings.Default);
        Assert.Equal(("b", (ServiceView?)null), plan.Services.Single());
        Assert.Empty(plan.Endpoints.Single().View.Endpoints);
        Assert.Empty(plan.Profiles.Single().View.Routes);
        Assert.False(plan.Inbound.Single().View.Exists);
    }

    [Fact]
    public void Compute_NoPrevious_WritesAllAndClearsRememberedNames()
    {
        var plan = ViewWritePlan.Compute("default", null, Derived("a"), ["a", "old"], ["old"], ReconcileSettings.Default);
        Assert.Equal(["a", "old"], plan.Services.Select(s => s.Name));
        Assert.Null(plan.Services[1].View);
        Assert.Equal(["a", "old"], plan.Inbound.Select(s => s.Name));
    }
}
