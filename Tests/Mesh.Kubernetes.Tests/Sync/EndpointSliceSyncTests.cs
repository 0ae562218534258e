using System.Diagnostics;
using System.Text.Json.Nodes;
using Mesh.Api.V1;
using Mesh.ControlPlane.Tests.Support;
using Mesh.Kubernetes.Tests.Identity;
using Xunit.Abstractions;

namespace Mesh.Kubernetes.Tests.Sync;

/// <summary>EndpointSlices and discovery by address through the sync, in a real Kubernetes-mode silo against the fake
/// API server, watched over real gRPC: a Service's endpoints come from its slices (joined with the pods' identities),
/// a slice's readiness flip reaches a watcher, and a ClusterIP or pod IP resolves to its Service or pod.</summary>
[Trait("Category", "E2E")]
public sealed class EndpointSliceSyncTests(ITestOutputHelper output)
{
    private const string Books = "books.shop.svc.cluster.local:8080";

    private const string BooksService = """
        {"metadata":{"name":"books","namespace":"shop"},
         "spec":{"selector":{"app":"books"},"ports":[{"name":"http","port":8080,"targetPort":"http"},
                                                     {"name":"db","port":5432,"targetPort":5432,"appProtocol":"tcp"}]}}
        """;

    /// <summary>A meshed pod: the mesh proxy injected as a native sidecar, ServiceAccount books, zone eu-1a.</summary>
    private static string MeshedPod(string name) => $$$"""
        {"metadata":{"name":"{{{name}}}","namespace":"shop","labels":{"app":"books","topology.kubernetes.io/zone":"eu-1a"}},
         "spec":{"serviceAccountName":"books",
           "initContainers":[{"name":"mesh-proxy","image":"mesh-proxy","restartPolicy":"Always"}],
           "containers":[{"name":"app","image":"books","ports":[{"name":"http","containerPort":8080}]}]}}
        """;

    private const string Slice = """
        {"metadata":{"name":"books-x7k2p","namespace":"shop","labels":{"kubernetes.io/service-name":"books"}},
         "addressType":"IPv4",
         "endpoints":[{"addresses":["10.1.0.1"],"conditions":{"ready":true,"serving":true,"terminating":false},
                       "targetRef":{"kind":"Pod","namespace":"shop","name":"books-1"},"nodeName":"node-1"}],
         "ports":[{"name":"http","port":8080,"protocol":"TCP"},{"name":"db","port":5432,"protocol":"TCP"}]}
        """;

    private static async Task SeedPodsAsync(SyncCluster c, int count)
    {
        for (var i = 1; i <= count; i++)
        {
            await c.CreateAsync("v1", "pods", "shop", MeshedPod($"books-{i}"));
            await c.SetPodStatusAsync("shop", $"books-{i}", $"10.1.0.{i}", ready: true);
        }
    }

    private static WatchClient Watch(Grpc.Net.Client.GrpcChannel channel, string authority) =>
        new(new Api.V1.Discovery.DiscoveryClient(channel), authority, "shop");

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Sync_ServiceWithAnEndpointSlice_EndpointsFromTheSliceAndItsReadinessReachesAWatcher()
    {
        await using var c = await SyncCluster.StartAsync();
        await c.CreateAsync("v1", "services", "shop", BooksService);
        await SeedPodsAsync(c, 2);
        await c.CreateAsync("discovery.k8s.io/v1", "endpointslices", "shop", Slice);
        var silo = await c.StartSiloAsync("silo-a");
        using var channel = KubernetesSilo.Control(silo);
        await using var watch = Watch(channel, Books);

        // Both pods match the selector and are Ready; only the one the slice lists is an endpoint, with its pod's identity.
        await watch.WaitUntil(w => w.Exists && w.Endpoints.Keys.SequenceEqual(["10.1.0.1:8080"]) && w.Endpoints["10.1.0.1:8080"].Identity.Length > 0,
            "the slice's one endpoint, joined with its pod", Patience);
        var e = watch.Endpoints["10.1.0.1:8080"];
        Assert.Equal(("spiffe://cluster.local/ns/shop/sa/books", 4143u, ProtocolHint.H2, "eu-1a", "books-1", true),
            (e.Identity, e.ProxyPort, e.ProtocolHint, e.Zone, e.Workload, e.Ready));

        // The slice says not ready (the pod stays Ready: readiness is the slice's), then ready again.
        var notReady = await FlipAsync(c, watch, ready: false);
        var ready = await FlipAsync(c, watch, ready: true);
        output.WriteLine($"slice conditions.ready flip → discovery watcher: not ready {notReady.TotalMilliseconds:F0} ms, ready again {ready.TotalMilliseconds:F0} ms");

        // The slice gone: the Service falls back to the pods its selector matches.
        await c.DeleteAsync("discovery.k8s.io/v1", "endpointslices", "shop", "books-x7k2p");
        await watch.WaitUntil(w => w.Endpoints.Count == 2, "both pods once the Service has no slice", Patience);
    }

    private static async Task<TimeSpan> FlipAsync(SyncCluster c, WatchClient watch, bool ready)
    {
        var clock = Stopwatch.StartNew();
        var patched = await c.Api.Resources.PatchAsync(c.Api.Kind("discovery.k8s.io/v1", "endpointslices"), "shop", "books-x7k2p",
            "application/json-patch+json", JsonNode.Parse($$"""[{"op":"replace","path":"/endpoints/0/conditions/ready","value":{{(ready ? "true" : "false")}}}]"""),
            status: false);
        Assert.True(patched.Ok, patched.Error?.Message);
        await watch.WaitUntil(w => w.Endpoints.TryGetValue("10.1.0.1:8080", out var e) && e.Ready == ready, $"the endpoint ready={ready}", Patience);
        return clock.Elapsed;
    }

    [Fact]
    public async Task Sync_ClusterIpAndPodIp_ResolveToTheServiceAndThePod()
    {
        await using var c = await SyncCluster.StartAsync();
        await c.CreateAsync("v1", "services", "shop", BooksService);
        await SeedPodsAsync(c, 1);
        var clusterIp = (string)c.Api.Resources.Get(c.Api.Kind("v1", "services"), "shop", "books").Value!["spec"]!["clusterIP"]!;
        var silo = await c.StartSiloAsync("silo-a");
        using var channel = KubernetesSilo.Control(silo);

        await using var byName = Watch(channel, Books);
        await using var byClusterIp = Watch(channel, $"{clusterIp}:8080");
        await byName.WaitUntil(w => w.Endpoints.Count == 1, "the pod behind the Service name", Patience);
        await byClusterIp.WaitUntil(w => w.Exists && w.Endpoints.Count == 1, "the pod behind the ClusterIP", Patience);
        var snapshot = byClusterIp.Updates.Last(u => u.KindCase == ServiceUpdate.KindOneofCase.Snapshot).Snapshot;
        Assert.Equal(("books", "shop", Books), (snapshot.Name, snapshot.Namespace, snapshot.Authority));
        Assert.Equal(byName.Endpoints.Values.Single(), byClusterIp.Endpoints.Values.Single());
        // The same profile too, once both carry the version the catalog wrote.
        await byClusterIp.WaitUntil(w => w.Profile is { SourceVersion: > 0 } p && p.Equals(byName.Profile), "the Service's profile", Patience);

        // appProtocol tcp: the ClusterIP's db port is opaque, as the name's is.
        await using var db = Watch(channel, $"{clusterIp}:5432");
        await db.WaitUntil(w => w.Exists && w.Endpoints.Count == 1, "the ClusterIP's opaque port", Patience);
        Assert.True(db.Profile!.Opaque);
        Assert.Equal(("10.1.0.1:5432", ProtocolHint.Opaque), (db.Endpoints.Values.Single().Key, db.Endpoints.Values.Single().ProtocolHint));

        // The pod IP: that pod, meshed (transparent mode sends the original destination).
        await using var byPodIp = Watch(channel, "10.1.0.1:8080");
        await byPodIp.WaitUntil(w => w.Exists && w.Endpoints.Count == 1, "the pod behind its IP", Patience);
        var pod = byPodIp.Endpoints.Values.Single();
        Assert.Equal(("books-1", "spiffe://cluster.local/ns/shop/sa/books", 4143u), (pod.Workload, pod.Identity, pod.ProxyPort));
        Assert.Equal("10.1.0.1:8080", byPodIp.Updates.Last().Snapshot.Authority);

        // The Service deleted: its ClusterIP no longer resolves.
        await c.DeleteAsync("v1", "services", "shop", "books");
        await byClusterIp.WaitUntil(w => !w.Exists, "the ClusterIP released", Patience);
    }
}
