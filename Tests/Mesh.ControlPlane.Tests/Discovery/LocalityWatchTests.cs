using System.Collections.Immutable;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.Abstractions.Resources;
using Mesh.ControlPlane.Tests.Support;
using Mesh.Silo.Discovery;

namespace Mesh.ControlPlane.Tests.Discovery;

/// <summary>Locality through the real discovery path (grains → gRPC watch): a Service annotated
/// <c>balancer.mesh.io/locality: prefer-local</c> reaches the proxy as <c>profile.prefer_local</c>, and an endpoint that
/// lives in a linked cluster carries its cluster's name (this cluster's carry none).</summary>
[Collection(SiloCollection.Name)]
public sealed class LocalityWatchTests(SiloFixture silo)
{
    private Api.V1.Discovery.DiscoveryClient Client => new(silo.Control);

    private static ServiceView Service(string name, string? locality) => Views.Service(name) with
    {
        Annotations = locality is null ? ImmutableDictionary<string, string>.Empty
            : ImmutableDictionary<string, string>.Empty.Add(MeshAnnotations.BalancerLocality, locality),
    };

    [Fact]
    public async Task Watch_PreferLocalServiceWithRemoteEndpoints_ProfileAndClustersReachTheProxy()
    {
        var name = "svc-" + Guid.NewGuid().ToString("N")[..8] + "-federated";
        var key = MeshNames.Key("default", name);
        await silo.Grains.GetGrain<IServiceGrain>(key).SetAsync(Service(name, MeshAnnotations.LocalityPreferLocal));
        await silo.Grains.GetGrain<IEndpointSetGrain>(key).SetAsync(Views.Endpoints(name,
            Views.Workload("east-1", "127.0.0.11"), Views.Workload("west-1", "127.0.0.21") with { Cluster = "west" }));

        await using var watch = new WatchClient(Client, $"{name}.default.svc.cluster.local:8080");
        await watch.WaitUntil(w => w.Endpoints.Count == 2 && w.Profile is not null, "snapshot with 2 endpoints");
        Assert.True(watch.Profile!.PreferLocal);
        Assert.Equal("", watch.Endpoints["127.0.0.11:7001"].Cluster);
        Assert.Equal("west", watch.Endpoints["127.0.0.21:7001"].Cluster);

        // The annotation set to "none": the next profile no longer prefers local.
        await silo.Grains.GetGrain<IServiceGrain>(key).SetAsync(Service(name, MeshAnnotations.LocalityNone));
        await watch.WaitUntil(w => w.Profile is { PreferLocal: false }, "a profile without prefer_local");
    }

    [Fact]
    public void Translate_NoAnnotation_NoPreferenceAndLocalEndpointsCarryNoCluster()
    {
        var t = DiscoveryTranslator.Translate(new Names.ServiceAuthority("books", "default", 8080), Service("books", null),
            Views.Endpoints("books", Views.Workload("a", "127.0.0.11")), new Versioned<ProfileView>(1, ProfileView.Default("default", "books")));
        Assert.False(t.Profile.PreferLocal);
        Assert.Equal("", Assert.Single(t.Endpoints).Value.Cluster);
    }
}
