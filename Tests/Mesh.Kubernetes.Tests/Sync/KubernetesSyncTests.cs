using System.Diagnostics;
using System.Text.Json.Nodes;
using Grpc.Core;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;
using Mesh.Kubernetes.Tests.Identity;
using Mesh.Silo.Hosting;
using Mesh.Silo.Kubernetes.Sync;
using Mesh.Testing.KubeApi.Http;
using Mesh.Testing.KubeApi.Resources;
using Xunit.Abstractions;

namespace Mesh.Kubernetes.Tests.Sync;

/// <summary>The sync in real Kubernetes-mode silos (in-process SiloHost, real Orleans, real KubernetesClient) against
/// the fake API server: every kind reaches the catalog as `mesh apply` would store it, readiness reaches a watching
/// proxy, 410 and dropped watches recover, invalid objects are skipped with an Event, one leader at a time.</summary>
[Trait("Category", "E2E")]
public sealed class KubernetesSyncTests(ITestOutputHelper output)
{
    private const string BooksService = """
        {"metadata":{"name":"books","namespace":"shop","labels":{"app":"books"}},
         "spec":{"selector":{"app":"books"},"ports":[{"name":"http","port":8080,"targetPort":8080,"nodePort":30080}],"type":"ClusterIP"}}
        """;

    private static string Pod(string name, string app = "books") => $$$"""
        {"metadata":{"name":"{{{name}}}","namespace":"shop","labels":{"app":"{{{app}}}"}},
         "spec":{"serviceAccountName":"{{{app}}}","containers":[{"name":"app","image":"{{{app}}}","ports":[{"name":"http","containerPort":8080}]}]}}
        """;

    private static async Task SeedAsync(SyncCluster c)
    {
        await c.CreateAsync("v1", "services", "shop", BooksService);
        await c.CreateAsync("v1", "pods", "shop", Pod("books-1"));
        await c.SetPodStatusAsync("shop", "books-1", "10.1.0.1", ready: true);
    }

    private static Task<StoredResource?> WaitForAsync(SiloHost silo, string kind, string name, Func<StoredResource?, bool>? condition = null) =>
        SyncCluster.EventuallyAsync(() => SyncCluster.GetAsync(silo, "shop", kind, name), condition ?? (r => r is not null), $"{kind} shop/{name} in the catalog");

    [Fact]
    public async Task Sync_EveryKind_CatalogHoldsWhatMeshApplyStores()
    {
        await using var c = await SyncCluster.StartAsync();
        await SeedAsync(c);
        await c.CreateAsync("gateway.networking.k8s.io/v1", "httproutes", "shop", """
            {"metadata":{"name":"books-split"},"spec":{"parentRefs":[{"group":"","kind":"Service","name":"books","port":8080}],
             "rules":[{"backendRefs":[{"name":"books","port":8080,"weight":100}]}]}}
            """);
        await c.CreateAsync("gateway.networking.k8s.io/v1", "grpcroutes", "shop", """
            {"metadata":{"name":"search"},"spec":{"parentRefs":[{"group":"","kind":"Service","name":"books","port":8080}],
             "rules":[{"backendRefs":[{"name":"books","port":8080}]}]}}
            """);
        await c.CreateAsync("policy.mesh.io/v1alpha1", "servers", "shop", """{"metadata":{"name":"books-http"},"spec":{"podSelector":{"matchLabels":{"app":"books"}},"port":8080}}""");
        await c.CreateAsync("policy.mesh.io/v1alpha1", "meshtlsauthentications", "shop", """{"metadata":{"name":"web"},"spec":{"identities":["spiffe://cluster.local/ns/shop/sa/web"]}}""");
        await c.CreateAsync("discovery.k8s.io/v1", "endpointslices", "shop", """
            {"metadata":{"name":"books-x7k2p","labels":{"kubernetes.io/service-name":"books"}},"addressType":"IPv4",
             "endpoints":[{"addresses":["10.1.0.1"],"conditions":{"ready":true},"targetRef":{"kind":"Pod","name":"books-1","uid":"u"}}],
             "ports":[{"name":"http","port":8080,"protocol":"TCP"}]}
            """);
        var silo = await c.StartSiloAsync("silo-a");

        var apply = ResourceParser.Parse("""
            apiVersion: v1
            kind: Service
            metadata: {name: books, namespace: shop, labels: {app: books}}
            spec: {selector: {app: books}, ports: [{name: http, port: 8080, targetPort: 8080}]}
            ---
            apiVersion: mesh.io/v1alpha1
            kind: Workload
            metadata: {name: books-1, namespace: shop, labels: {app: books}}
            spec: {serviceAccount: books, addresses: [10.1.0.1], ports: [{name: http, port: 8080}]}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: books-split, namespace: shop}
            spec: {parentRefs: [{group: "", kind: Service, name: books, port: 8080}], rules: [{backendRefs: [{name: books, port: 8080, weight: 100}]}]}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata: {name: search, namespace: shop}
            spec: {parentRefs: [{group: "", kind: Service, name: books, port: 8080}], rules: [{backendRefs: [{name: books, port: 8080}]}]}
            ---
            apiVersion: policy.mesh.io/v1alpha1
            kind: Server
            metadata: {name: books-http, namespace: shop}
            spec: {podSelector: {matchLabels: {app: books}}, port: 8080}
            ---
            apiVersion: policy.mesh.io/v1alpha1
            kind: MeshTLSAuthentication
            metadata: {name: web, namespace: shop}
            spec: {identities: ["spiffe://cluster.local/ns/shop/sa/web"]}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: books-x7k2p, namespace: shop, labels: {kubernetes.io/service-name: books}}
            addressType: IPv4
            endpoints: [{addresses: [10.1.0.1], conditions: {ready: true}, targetRef: {kind: Pod, name: books-1}}]
            ports: [{name: http, port: 8080}]
            """);
        Assert.True(apply.Ok, string.Join("; ", apply.Errors));
        foreach (var expected in apply.Resources)
        {
            var stored = await WaitForAsync(silo, expected.Kind, expected.Name);
            Assert.Equal(ResourceSources.Kubernetes, stored!.Source);
            // The API server stamps creationTimestamp; everything else is what `mesh apply` stores for the same YAML.
            var actual = JsonNode.Parse(stored.Json)!.AsObject();
            Assert.True(actual["metadata"]!.AsObject().Remove("creationTimestamp"));
            // …and a Service's cluster IP, which the API server allocates.
            if (expected.Kind == "Service") Assert.StartsWith("10.96.", (string?)actual["spec"]!["clusterIP"]);
            if (expected.Kind == "Service")
            {
                actual["spec"]!.AsObject().Remove("clusterIP");
                actual["spec"]!.AsObject().Remove("clusterIPs");
            }
            Assert.Equal(JsonNode.Parse(expected.CanonicalJson)!.ToJsonString(), actual.ToJsonString());
        }
        var status = await SyncCluster.StatusAsync(silo);
        Assert.True(status.Leader);
        Assert.All(status.Kinds, k => Assert.True(k.Synced, $"{k.Kind} not synced: {k.LastError}"));
        Assert.Equal(1, status.Kinds.Single(k => k.Kind == "Pod").Objects);
        Assert.NotNull(status.Kinds.Single(k => k.Kind == "Pod").ResourceVersion);
    }

    [Fact]
    public async Task Sync_InvalidCustomResource_SkippedWithEventWhileTheRestSyncs()
    {
        await using var c = await SyncCluster.StartAsync();
        var silo = await c.StartSiloAsync("silo-a");
        await c.CreateAsync("policy.mesh.io/v1alpha1", "authorizationpolicies", "shop", """
            {"metadata":{"name":"broken"},"spec":{"targetRef":{"group":"policy.mesh.io","kind":"Server","name":"s"},"bogus":true}}
            """);
        await SeedAsync(c);
        await WaitForAsync(silo, "Service", "books");
        await WaitForAsync(silo, "Workload", "books-1");

        var status = await SyncCluster.EventuallyAsync(() => SyncCluster.StatusAsync(silo), s => s.Skipped.Count > 0, "the skipped object in the status");
        var skipped = Assert.Single(status.Skipped);
        Assert.Equal(("AuthorizationPolicy", "shop", "broken"), (skipped.Kind, skipped.Namespace, skipped.Name));
        Assert.Contains(skipped.Errors, e => e.StartsWith("spec.bogus", StringComparison.Ordinal));
        Assert.Null(await SyncCluster.GetAsync(silo, "shop", "AuthorizationPolicy", "broken"));

        var events = await SyncCluster.EventuallyAsync(
            () => Task.FromResult(c.Api.Resources.List(c.Api.Kind("v1", "events"), "shop", ListQuery.Parse(new Microsoft.AspNetCore.Http.QueryCollection()).Value!).Value!["items"]!.AsArray()),
            items => items.Any(e => (string?)e!["involvedObject"]!["name"] == "broken"), "an Event on the invalid object");
        var ev = events.Single(e => (string?)e!["involvedObject"]!["name"] == "broken")!;
        Assert.Equal(InvalidObjectEvents.Reason, (string?)ev["reason"]);
        Assert.Equal("Warning", (string?)ev["type"]);
        Assert.Equal("AuthorizationPolicy", (string?)ev["involvedObject"]!["kind"]);
        Assert.Contains("spec.bogus", (string?)ev["message"]);

        // Fixed: synced, and no longer listed as skipped.
        Assert.True((await c.Api.Resources.PatchAsync(c.Api.Kind("policy.mesh.io/v1alpha1", "authorizationpolicies"), "shop", "broken",
            "application/json-patch+json", JsonNode.Parse("""
            [{"op":"remove","path":"/spec/bogus"},
             {"op":"add","path":"/spec/requiredAuthenticationRefs","value":[{"group":"policy.mesh.io","kind":"MeshTLSAuthentication","name":"web"}]}]
            """), status: false)).Ok);
        await WaitForAsync(silo, "AuthorizationPolicy", "broken");
        Assert.Empty((await SyncCluster.StatusAsync(silo)).Skipped);
    }

    [Fact]
    public async Task Sync_PodReadinessFlip_ReachesAWatchingProxy()
    {
        await using var c = await SyncCluster.StartAsync();
        await SeedAsync(c);
        var silo = await c.StartSiloAsync("silo-a");
        await WaitForAsync(silo, "Workload", "books-1");
        using var channel = KubernetesSilo.Control(silo);
        var client = new Api.V1.Discovery.DiscoveryClient(channel);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var call = client.Watch(new Api.V1.WatchRequest { Authority = "books.shop.svc.cluster.local:8080", ProxyId = "test" }, cancellationToken: cts.Token);
        var endpoints = new Dictionary<string, Api.V1.Endpoint>();
        async Task ReadUntilAsync(Func<bool> done)
        {
            while (!done())
            {
                Assert.True(await call.ResponseStream.MoveNext(cts.Token), "the watch ended");
                var u = call.ResponseStream.Current;
                if (u.KindCase == Api.V1.ServiceUpdate.KindOneofCase.Snapshot) { endpoints.Clear(); foreach (var e in u.Snapshot.Endpoints) endpoints[e.Key] = e; }
                if (u.KindCase == Api.V1.ServiceUpdate.KindOneofCase.Upserted) foreach (var e in u.Upserted.Endpoints) endpoints[e.Key] = e;
                if (u.KindCase == Api.V1.ServiceUpdate.KindOneofCase.Removed) foreach (var k in u.Removed.Keys) endpoints.Remove(k);
            }
        }
        await ReadUntilAsync(() => endpoints.Values.Any(e => e.Address == "10.1.0.1" && e.Ready));

        var clock = Stopwatch.StartNew();
        await c.SetPodStatusAsync("shop", "books-1", "10.1.0.1", ready: false);
        await ReadUntilAsync(() => endpoints.Values.All(e => !e.Ready));
        var notReady = clock.Elapsed;
        clock.Restart();
        await c.SetPodStatusAsync("shop", "books-1", "10.1.0.1", ready: true);
        await ReadUntilAsync(() => endpoints.Values.Any(e => e.Ready));
        output.WriteLine($"readiness flip → proxy: not ready {notReady.TotalMilliseconds:F0} ms, ready again {clock.Elapsed.TotalMilliseconds:F0} ms (target ≤ 1000 ms)");
        cts.Cancel();
    }

    [Fact]
    public async Task Sync_DeletesMadeWhileTheWatchIsGone_AppearAfterTheRelist()
    {
        await using var c = await SyncCluster.StartAsync();
        await SeedAsync(c);
        await c.CreateAsync("v1", "pods", "shop", Pod("books-2"));
        await c.SetPodStatusAsync("shop", "books-2", "10.1.0.2", ready: true);
        var silo = await c.StartSiloAsync("silo-a");
        await WaitForAsync(silo, "Workload", "books-2");
        var before = (await SyncCluster.StatusAsync(silo)).Kinds.Single(k => k.Kind == "Pod").Relists;

        // Keep every watch out (500), cut the open ones, delete while nobody watches, compact the history away.
        c.Api.Faults.Fail(r => r.Query.ContainsKey("watch"), new ApiError(500, "InternalError", "injected"), times: 1_000_000);
        c.Api.DropWatches();
        await c.DeleteAsync("v1", "pods", "shop", "books-2");
        await c.DeleteAsync("v1", "services", "shop", "books");
        c.Api.Compact(expireOpenWatches: true);
        c.Api.Faults.Clear();

        await WaitForAsync(silo, "Workload", "books-2", r => r is null);
        await WaitForAsync(silo, "Service", "books", r => r is null);
        Assert.NotNull(await SyncCluster.GetAsync(silo, "shop", "Workload", "books-1"));
        var after = (await SyncCluster.StatusAsync(silo)).Kinds.Single(k => k.Kind == "Pod").Relists;
        Assert.True(after > before, $"relists {before} → {after}");
    }

    [Fact]
    public async Task Sync_ApiServerDropsWatchConnections_LoopRecovers()
    {
        await using var c = await SyncCluster.StartAsync();
        await SeedAsync(c);
        var silo = await c.StartSiloAsync("silo-a");
        await WaitForAsync(silo, "Workload", "books-1");
        for (var i = 2; i <= 4; i++)
        {
            await SyncCluster.EventuallyAsync(() => Task.FromResult(c.Api.OpenWatches), n => n >= SyncKinds.All.Length, "every kind watching");
            c.Api.DropWatches();
            await c.CreateAsync("v1", "pods", "shop", Pod($"books-{i}"));
            await c.SetPodStatusAsync("shop", $"books-{i}", $"10.1.0.{i}", ready: true);
            await WaitForAsync(silo, "Workload", $"books-{i}");
        }
    }

    [Fact]
    public async Task Sync_TwoSilos_OneLeadsAndAGracefulStopHandsOverQuickly()
    {
        await using var c = await SyncCluster.StartAsync();
        await SeedAsync(c);
        var a = await c.StartSiloAsync("silo-a", leaseMs: 2000);
        await SyncCluster.EventuallyAsync(() => SyncCluster.StatusAsync(a), s => s.Leader, "silo-a leading");
        var b = await c.StartSiloAsync("silo-b", leaseMs: 2000);
        await WaitForAsync(a, "Workload", "books-1");
        var standby = await SyncCluster.EventuallyAsync(() => SyncCluster.StatusAsync(b), s => s.Holder == "silo-a", "silo-b seeing silo-a hold the lease");
        Assert.False(standby.Leader);
        Assert.Null(await SyncCluster.GetAsync(b, "shop", "Workload", "books-1")); // a standby writes nothing

        var clock = Stopwatch.StartNew();
        await c.StopSiloAsync(a);
        await SyncCluster.EventuallyAsync(() => SyncCluster.StatusAsync(b), s => s.Leader, "silo-b leading after silo-a stopped");
        output.WriteLine($"graceful handover: {clock.Elapsed.TotalMilliseconds:F0} ms (lease 2000 ms, retry 500 ms)");
        // Released: a takeover without release would wait out the whole lease after the last renewal.
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(1900), $"handover took {clock.Elapsed}");
        await WaitForAsync(b, "Workload", "books-1");
        var lease = c.Api.Resources.Get(c.Api.Kind("coordination.k8s.io/v1", "leases"), SyncCluster.LeaseNamespace, Names.KubernetesObjects.SyncLease).Value!;
        Assert.Equal("silo-b", (string?)lease["spec"]!["holderIdentity"]);
        Assert.True((int)lease["spec"]!["leaseTransitions"]! >= 1);
    }

    [Fact]
    public async Task Sync_DeposedLeadersLateWrite_IsRefusedByTheFence()
    {
        await using var c = await SyncCluster.StartAsync();
        await SeedAsync(c);
        var silo = await c.StartSiloAsync("silo-a");
        await WaitForAsync(silo, "Workload", "books-1");
        await SyncCluster.EventuallyAsync(() => SyncCluster.StatusAsync(silo), st => st.Leader && st.Epoch > 0, "silo-a leading with an epoch");

        // A writer of an older term (fewer lease transitions) that wakes up late: its delete must not land.
        var time = TimeProvider.System;
        var board = new SyncStatusBoard("old-leader", SyncCluster.LeaseNamespace, "lease", time);
        var old = new CatalogSink(SyncCluster.Grains(silo), new SyncEpoch(-1, time), board, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, time, TimeSpan.Zero);
        old.Put("shop", new ResourceKey("Workload", "books-1"), null);
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var e = await Assert.ThrowsAsync<DeposedException>(() => old.RunAsync(bound.Token));
        Assert.Contains("older than its last write", e.Message);
        Assert.NotNull(await SyncCluster.GetAsync(silo, "shop", "Workload", "books-1"));
    }

    [Fact]
    public async Task Sync_ApiServerUnreachable_CatalogKeepsItsLastStateAndStatusSaysWhy()
    {
        await using var c = await SyncCluster.StartAsync();
        await SeedAsync(c);
        var silo = await c.StartSiloAsync("silo-a");
        await WaitForAsync(silo, "Workload", "books-1");
        c.Api.Faults.Fail(_ => true, new ApiError(503, "ServiceUnavailable", "injected outage"), times: 1_000_000);
        c.Api.DropWatches();

        var status = await SyncCluster.EventuallyAsync(() => SyncCluster.StatusAsync(silo), s => s.LastError is not null && !s.Leader,
            "the outage in the status (lease renewals fail, the term ends)");
        output.WriteLine($"status during the outage: {status.LastError}");
        Assert.NotNull(await SyncCluster.GetAsync(silo, "shop", "Workload", "books-1"));
        Assert.NotNull(await SyncCluster.GetAsync(silo, "shop", "Service", "books"));

        c.Api.Faults.Clear();
        await c.CreateAsync("v1", "pods", "shop", Pod("books-2"));
        await c.SetPodStatusAsync("shop", "books-2", "10.1.0.2", ready: true);
        await WaitForAsync(silo, "Workload", "books-2");
        Assert.True((await SyncCluster.StatusAsync(silo)).Leader);
    }
}
