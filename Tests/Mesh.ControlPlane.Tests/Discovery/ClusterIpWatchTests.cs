using System.Net;
using Mesh.Api.V1;
using Mesh.ControlPlane.Tests.Support;

namespace Mesh.ControlPlane.Tests.Discovery;

/// <summary>Discovery by address in local mode (`mesh apply` writes through the admin API, a real silo, real gRPC): a
/// Service's cluster IP and port is that Service port — the stream a watch of its name gets — for every cluster IP;
/// a headless Service has none; a workload's address is the workload; the watch follows the claim as it moves.</summary>
[Collection(SiloCollection.Name)]
public sealed class ClusterIpWatchTests(SiloFixture silo)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static string NewNamespace() => "ns-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>An address of its own per test (the silo is shared by the collection).</summary>
    private static string NewIp(int first) => $"{first}.{Random.Shared.Next(1, 255)}.{Random.Shared.Next(1, 255)}.{Random.Shared.Next(2, 255)}";

    private static string NewIpv6() => $"fd00:{Random.Shared.Next(1, 0xffff):x}::{Random.Shared.Next(1, 0xffff):x}";

    private static string Workload(string address, string ports = "ports: [{name: http, port: 7001}]") => $$$"""
        apiVersion: mesh.io/v1alpha1
        kind: Workload
        metadata: {name: books-1, labels: {app: books}}
        spec:
          serviceAccount: books
          addresses: [{{{address}}}]
          {{{ports}}}
          proxy: {}
        """;

    private static string Service(string clusterIp, string clusterIps = "") => $$$"""
        apiVersion: v1
        kind: Service
        metadata:
          name: books
          annotations: {config.mesh.io/opaque-ports: "9090"}
        spec:
          selector: {app: books}
          clusterIP: {{{clusterIp}}}
          {{{(clusterIps.Length > 0 ? $"clusterIPs: [{clusterIps}]" : "")}}}
          ports:
            - {name: http, port: 8080, targetPort: http}
            - {name: metrics, port: 9090, targetPort: 7001}
        """;

    private async Task ApplyAsync(string yaml, string ns)
    {
        using var admin = silo.AuthorizedAdmin();
        var response = await admin.PostAsync($"/api/v1/apply?namespace={ns}", new StringContent(yaml));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private WatchClient Watch(string authority, string ns) => new(new Api.V1.Discovery.DiscoveryClient(silo.Control), authority, ns);

    [Fact]
    public async Task Watch_ClusterIpOfAService_TheStreamAWatchOfItsNameGets()
    {
        var (ns, v4, v6, pod) = (NewNamespace(), NewIp(10), NewIpv6(), NewIp(127));
        await ApplyAsync(Workload(pod) + "\n---\n" + Service(v4, $"{v4}, \"{v6}\""), ns);

        await using var byName = Watch($"books.{ns}.svc.cluster.local:8080", ns);
        await using var byV4 = Watch($"{v4}:8080", ns);
        await using var byV6 = Watch($"[{v6}]:8080", ns);
        foreach (var w in new[] { byName, byV4, byV6 })
            await w.WaitUntil(x => x.Exists && x.Endpoints.Count == 1 && x.Profile is { SourceVersion: > 0 }, "books' endpoint and profile", Patience);
        var snapshot = byV4.Updates.Last(u => u.KindCase == ServiceUpdate.KindOneofCase.Snapshot).Snapshot;
        Assert.Equal(("books", ns, $"books.{ns}.svc.cluster.local:8080"), (snapshot.Name, snapshot.Namespace, snapshot.Authority));
        var e = byName.Endpoints[$"{pod}:7001"];
        Assert.Equal(($"spiffe://cluster.local/ns/{ns}/sa/books", ProtocolHint.H2), (e.Identity, e.ProtocolHint));
        Assert.Equal(e, byV4.Endpoints[$"{pod}:7001"]);
        Assert.Equal(e, byV6.Endpoints[$"{pod}:7001"]);
        Assert.Equal(byName.Profile, byV4.Profile);

        // The annotation makes 9090 opaque: by cluster IP as by name.
        await using var metrics = Watch($"{v4}:9090", ns);
        await metrics.WaitUntil(x => x.Exists && x.Endpoints.Count == 1, "the opaque port", Patience);
        Assert.True(metrics.Profile!.Opaque);
        Assert.Equal(ProtocolHint.Opaque, metrics.Endpoints.Values.Single().ProtocolHint);

        // A port the Service does not have is not the Service.
        await using var other = Watch($"{v4}:1234", ns);
        await other.WaitUntil(x => x.Updates.Count >= 1, "first snapshot", Patience);
        Assert.False(other.Updates[0].Snapshot.Exists);

        // A new cluster IP: the old one is released, the new one resolves.
        var moved = NewIp(10);
        await ApplyAsync(Service(moved), ns);
        await byV4.WaitUntil(x => !x.Exists, "the old cluster IP released", Patience);
        await byV6.WaitUntil(x => !x.Exists, "the IPv6 cluster IP released", Patience);
        await using var byMoved = Watch($"{moved}:8080", ns);
        await byMoved.WaitUntil(x => x.Exists && x.Endpoints.Count == 1, "the new cluster IP", Patience);
    }

    [Fact]
    public async Task Watch_PodIpOfAHeadlessServicesWorkload_TheWorkloadOnItsTargetPort()
    {
        var (ns, pod) = (NewNamespace(), NewIp(127));
        // The workload declares no ports: the Service's numeric targetPort is one it serves all the same.
        await ApplyAsync(Workload(pod, ports: "") + "\n---\n" + """
            apiVersion: v1
            kind: Service
            metadata: {name: books}
            spec:
              selector: {app: books}
              clusterIP: None
              ports: [{port: 8080, targetPort: 7001}]
            """, ns);
        await using var byPodIp = Watch($"{pod}:7001", ns);
        await byPodIp.WaitUntil(x => x.Exists && x.Endpoints.Count == 1, "the workload behind its address", Patience);
        var snapshot = byPodIp.Updates.Last().Snapshot;
        Assert.Equal(("", ns, $"{pod}:7001"), (snapshot.Name, snapshot.Namespace, snapshot.Authority));
        Assert.Equal(("books-1", $"spiffe://cluster.local/ns/{ns}/sa/books"), (byPodIp.Endpoints.Values.Single().Workload, byPodIp.Endpoints.Values.Single().Identity));
    }

    [Fact]
    public async Task Watch_AddressAWorkloadHoldsThenAServiceClaims_FollowsToTheServiceAndBack()
    {
        var (ns, ip) = (NewNamespace(), NewIp(127));
        await ApplyAsync(Workload(ip, "ports: [{name: http, port: 8080}]"), ns);
        await using var watch = Watch($"{ip}:8080", ns);
        await watch.WaitUntil(x => x.Exists && x.Updates.Last().Snapshot.Name == "", "the workload", Patience);

        // A Service given that address as its cluster IP wins it (a ClusterIP is looked up before a pod IP).
        await ApplyAsync(Service(ip), ns);
        await watch.WaitUntil(x => x.Updates.Last(u => u.KindCase == ServiceUpdate.KindOneofCase.Snapshot).Snapshot.Name == "books"
            && x.Endpoints.ContainsKey($"{ip}:8080"), "the Service's stream", Patience);

        using var admin = silo.AuthorizedAdmin();
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/api/v1/resources/service/{ns}/books")).StatusCode);
        await watch.WaitUntil(x => x.Exists && x.Updates.Last().KindCase == ServiceUpdate.KindOneofCase.Snapshot
            && x.Updates.Last().Snapshot.Name == "", "the workload again", Patience);
        Assert.True(watch.Updates.Select(u => u.Version).SequenceEqual(Enumerable.Range(1, watch.Updates.Count).Select(v => (ulong)v)),
            "versions rise by one across the stream's parts");
    }

    [Fact]
    public async Task Watch_SelectorlessServiceWithAnEndpointSlice_EndpointsFromTheSliceByNameAndClusterIp()
    {
        var (ns, clusterIp, external) = (NewNamespace(), NewIp(10), NewIp(192));
        await ApplyAsync($$$"""
            apiVersion: v1
            kind: Service
            metadata: {name: db}
            spec:
              clusterIP: {{{clusterIp}}}
              ports: [{port: 5432, appProtocol: tcp}]
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: db-1, labels: {kubernetes.io/service-name: db}}
            addressType: IPv4
            ports: [{port: 15432}]
            endpoints:
              - addresses: [{{{external}}}]
                conditions: {ready: false}
            """, ns);
        await using var byName = Watch($"db.{ns}:5432", ns);
        await using var byClusterIp = Watch($"{clusterIp}:5432", ns);
        foreach (var w in new[] { byName, byClusterIp })
            await w.WaitUntil(x => x.Endpoints.ContainsKey($"{external}:15432"), "the slice's endpoint on the slice's port", Patience);
        var e = byClusterIp.Endpoints[$"{external}:15432"];
        Assert.Equal(("", false, ProtocolHint.Unknown), (e.Identity, e.Ready, e.ProtocolHint));
        Assert.Equal(e, byName.Endpoints[$"{external}:15432"]);
    }
}
