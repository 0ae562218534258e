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
        next = next with { EndpointSets = next.EndpointSets.SetItem("b", Views.Endpoints("b")) };
        var plan = ViewWritePlan.Compute("default", Derived("a", "b"), next, [], [], ReconcileSettings.Default);
        Assert.Equal(1, plan.Count);
        Assert.Equal("b", plan.EndpointSets.Single().Name);
    }

    [Fact]
    public void Compute_ServiceAndWorkloadGone_ClearedViews()
    {
        var plan = ViewWritePlan.Compute("default", Derived("a", "b"), Derived("a"), [], [], ReconcileSettings.Default);
        Assert.Equal(("b", (ServiceView?)null), plan.Services.Single());
        Assert.Empty(plan.EndpointSets.Single().View.Endpoints);
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

    [Fact]
    public void Compute_ConsumerRouteAddedThenGone_WrittenThenClearedToTheDefault()
    {
        var route = new RouteView("cons/r/rule-0", RouteKindView.Http, 0, [], [], [], null, null);
        var withConsumer = Derived("a") with
        {
            ConsumerProfiles = ImmutableDictionary<string, ProfileView>.Empty.Add("prod/echo", ProfileView.Default("prod", "echo") with { Routes = [route] }),
        };
        var added = ViewWritePlan.Compute("cons", Derived("a"), withConsumer, [], [], ReconcileSettings.Default);
        Assert.Equal("prod/echo", Assert.Single(added.ConsumerProfiles).Target);
        Assert.Equal(1, added.Count);

        // After a reactivation only the persisted target names are known: the target is still cleared.
        var gone = ViewWritePlan.Compute("cons", null, Derived("a"), ["a"], ["a"], ReconcileSettings.Default, ["prod/echo"]);
        var cleared = Assert.Single(gone.ConsumerProfiles);
        Assert.Equal(("prod/echo", "prod", "echo"), (cleared.Target, cleared.View.Namespace, cleared.View.Service));
        Assert.Empty(cleared.View.Routes);
    }
    [Fact]
    public void Compute_ServiceClusterIpClaimed_MovedThenGone_ClaimedReleasedAndRemembered()
    {
        static DerivedNamespace With(params (string Key, string Service)[] claims) => Derived("a") with
        {
            ServiceAddresses = claims.ToImmutableDictionary(c => c.Key, c => c.Service),
        };
        var first = ViewWritePlan.Compute("default", Derived("a"), With(("addr/10.96.0.1:80", "a")), [], [], ReconcileSettings.Default);
        Assert.Equal([("addr/10.96.0.1:80", (string?)"a")], first.ServiceAddresses.ToArray());

        var moved = ViewWritePlan.Compute("default", With(("addr/10.96.0.1:80", "a")), With(("addr/10.96.0.2:80", "a")), [], [], ReconcileSettings.Default);
        Assert.Equal([("addr/10.96.0.2:80", (string?)"a"), ("addr/10.96.0.1:80", null)], moved.ServiceAddresses.ToArray());

        // After a reactivation only the remembered keys say what to release.
        var reactivated = ViewWritePlan.Compute("default", null, Derived("a"), ["a"], ["a"], ReconcileSettings.Default,
            previousServiceAddresses: ["addr/10.96.0.2:80"]);
        Assert.Equal([("addr/10.96.0.2:80", (string?)null)], reactivated.ServiceAddresses.ToArray());
    }
}
