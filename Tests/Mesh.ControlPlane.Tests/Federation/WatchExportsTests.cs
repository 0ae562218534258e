using System.Security.Cryptography;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Api.V1;
using Mesh.Identity.Ca;
using Mesh.Identity.Credentials;
using Mesh.Silo.Federation;

namespace Mesh.ControlPlane.Tests.Federation;

/// <summary>Federation.WatchExports between two real silos over mesh mTLS: an allowed peer silo gets a snapshot of
/// exactly the exported Services, then deltas and heartbeats; any other client gets nothing. Each test uses its own
/// namespace, since both silos are shared by the class.</summary>
public sealed class WatchExportsTests(TwoClusters clusters) : IClassFixture<TwoClusters>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static string Service(string ns, string name, string? labels, int port = 8080, string selector = "app: none") => $"""
        apiVersion: v1
        kind: Service
        metadata:
          name: {name}
          namespace: {ns}
          {(labels is null ? "" : "labels: {" + labels + "}")}
        spec:
          selector: {"{"}{selector}{"}"}
          ports: [{"{"}name: http, port: {port}, targetPort: http{"}"}]
        ---

        """;

    private static string Workload(string ns, string name, string app, string address) => $"""
        apiVersion: mesh.io/v1alpha1
        kind: Workload
        metadata: {"{"}name: {name}, namespace: {ns}, labels: {"{"}app: {app}{"}"}{"}"}
        spec:
          serviceAccount: {app}
          addresses: [{address}]
          ports: [{"{"}name: http, port: 9090{"}"}]
          proxy: {"{"}inboundPort: 4143{"}"}
        ---

        """;

    [Fact]
    public async Task WatchExports_AllowedSilo_SnapshotHasExactlyTheExportedServices()
    {
        const string ns = "fed-snapshot";
        await TwoClusters.ApplyAsync(clusters.West,
            Service(ns, "books", "mirror.mesh.io/exported: \"true\"", selector: "app: books")
            + Service(ns, "authors", "mirror.mesh.io/exported: remote-discovery, tier: backend", selector: "app: authors")
            + Service(ns, "reviews", "mirror.mesh.io/federated: member", selector: "app: reviews")
            + Service(ns, "internal", "tier: backend")
            + Service(ns, "typo", "mirror.mesh.io/exported: \"yes\"")
            + Workload(ns, "books-1", "books", "10.1.0.1")
            + Workload(ns, "authors-1", "authors", "10.1.0.2"));
        using var channel = clusters.EastToWest();
        using var call = Watch(channel);

        // An acknowledged apply has reached the export index: the very first message has it all.
        var first = await NextAsync(call, skipHeartbeats: true);
        Assert.Equal(ExportsUpdate.KindOneofCase.Snapshot, first.KindCase);
        var snapshot = first.Snapshot;

        Assert.Equal(["authors", "books", "reviews"], snapshot.Services.Where(s => s.Namespace == ns).Select(s => s.Name));
        var cluster = snapshot.Cluster;
        Assert.Equal("west", cluster.Name);
        Assert.Equal(TwoClusters.WestDomain, cluster.TrustDomain);
        Assert.Equal("cluster.local", cluster.ClusterDomain);
        var anchor = TrustBundle.Load(Path.Combine(clusters.West.Settings.DataDir, "trust-anchors.pem")).Anchors.Single();
        Assert.Equal([Convert.ToHexStringLower(SHA256.HashData(anchor.RawData))], cluster.TrustAnchorSha256);
        Assert.Equal(("127.0.0.1", 4143u, "spiffe://west.mesh/ns/mesh/sa/gateway"), (cluster.Gateway.Address, cluster.Gateway.Port, cluster.Gateway.Identity));

        var books = snapshot.Services.Single(s => s.Namespace == ns && s.Name == "books");
        Assert.Equal(ExportMode.Gateway, books.Mode);
        Assert.Equal(1u, books.ReadyEndpoints);
        Assert.Empty(books.Endpoints); // gateway mode: peers never learn pod addresses
        Assert.Equal((8080u, "http"), (books.Ports.Single().Port, books.Ports.Single().TargetPort));

        var authors = snapshot.Services.Single(s => s.Namespace == ns && s.Name == "authors");
        Assert.Equal(ExportMode.RemoteDiscovery, authors.Mode);
        Assert.Equal("backend", authors.Labels["tier"]);
        var endpoint = Assert.Single(authors.Endpoints);
        Assert.Equal(("10.1.0.2", $"spiffe://west.mesh/ns/{ns}/sa/authors", 4143u, 9090u),
            (endpoint.Address, endpoint.Identity, endpoint.ProxyPort, endpoint.Ports["http"]));

        var reviews = snapshot.Services.Single(s => s.Namespace == ns && s.Name == "reviews");
        Assert.True(reviews.Federated);
        Assert.Equal(ExportMode.None, reviews.Mode);
    }

    [Fact]
    public async Task WatchExports_ServiceExportedChangedUnexported_ArriveAsDeltas()
    {
        const string ns = "fed-delta";
        using var channel = clusters.EastToWest();
        using var call = Watch(channel);
        var first = await NextAsync(call, skipHeartbeats: true);
        Assert.Equal(ExportsUpdate.KindOneofCase.Snapshot, first.KindCase);
        Assert.DoesNotContain(first.Snapshot.Services, s => s.Namespace == ns);

        await TwoClusters.ApplyAsync(clusters.West, Service(ns, "books", "mirror.mesh.io/exported: \"true\""));
        var added = await NextAsync(call, skipHeartbeats: true);
        Assert.Equal((ns, "books", 8080u), (added.Upserted.Namespace, added.Upserted.Name, added.Upserted.Ports.Single().Port));

        await TwoClusters.ApplyAsync(clusters.West, Service(ns, "books", "mirror.mesh.io/exported: \"true\"", port: 9090));
        var changed = await NextAsync(call, skipHeartbeats: true);
        Assert.Equal(("books", 9090u), (changed.Upserted.Name, changed.Upserted.Ports.Single().Port));

        await TwoClusters.ApplyAsync(clusters.West, Service(ns, "books", "tier: backend", port: 9090));
        var removed = await NextAsync(call, skipHeartbeats: true);
        Assert.Equal((ns, "books"), (removed.Removed.Namespace, removed.Removed.Name));

        // A Service that is never exported sends nothing: the next delta is the marker applied after it.
        await TwoClusters.ApplyAsync(clusters.West, Service(ns, "hidden", "tier: backend"));
        await TwoClusters.ApplyAsync(clusters.West, Service(ns, "marker", "mirror.mesh.io/exported: remote-discovery"));
        var next = await NextAsync(call, skipHeartbeats: true);
        Assert.Equal(("marker", ExportMode.RemoteDiscovery), (next.Upserted.Name, next.Upserted.Mode));

        await TwoClusters.DeleteAsync(clusters.West, "services", ns, "marker");
        var deleted = await NextAsync(call, skipHeartbeats: true);
        Assert.Equal("marker", deleted.Removed.Name);
    }

    [Fact]
    public async Task WatchExports_Quiet_SendsHeartbeatsWithIncreasingVersions()
    {
        using var channel = clusters.EastToWest();
        using var call = Watch(channel);
        var snapshot = await NextAsync(call, skipHeartbeats: false);
        Assert.Equal(ExportsUpdate.KindOneofCase.Snapshot, snapshot.KindCase);
        var version = snapshot.Version;
        for (var beats = 0; beats < 3;)
        {
            var update = await NextAsync(call, skipHeartbeats: false);
            Assert.True(update.Version > version, $"version {update.Version} after {version}");
            version = update.Version;
            if (update.KindCase == ExportsUpdate.KindOneofCase.Heartbeat)
            {
                Assert.True(update.Heartbeat.SentAtUnixMs > 0);
                beats++;
            }
        }
    }

    [Fact]
    public async Task WatchExports_MeshCertificateNotOnAllowList_PermissionDenied()
    {
        // A valid certificate of west's own mesh, for a workload: it is no silo on the allow list.
        using var channel = clusters.As(clusters.West, "default", "web");
        var e = await Assert.ThrowsAsync<RpcException>(() => FirstAsync(channel));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains("mesh multicluster allow spiffe://west.mesh/ns/default/sa/web", e.Status.Detail);
    }

    [Fact]
    public async Task WatchExports_NoClientCertificate_CannotConnect()
    {
        var trust = TrustBundle.Load(Path.Combine(clusters.West.Settings.DataDir, "trust-anchors.pem"));
        using var channel = FederationChannel.Create(clusters.FederationAddress, clusters.WestIdentity, new MeshCredentialsHolder(), trust);
        var e = await Assert.ThrowsAsync<RpcException>(() => FirstAsync(channel));
        Assert.Contains(e.StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal });
    }

    [Fact]
    public async Task WatchExports_CertificateOfAnotherMesh_CannotConnect()
    {
        var stranger = CertificateAuthority.Create(TwoClusters.EastDomain);
        var id = Names.SpiffeId.Create(TwoClusters.EastDomain, "mesh", "silo");
        using var csr = CsrBuilder.Create(id);
        var issued = stranger.IssueLeafOrThrow(csr.Der, id);
        var key = ECDsa.Create(csr.Key.ExportParameters(includePrivateParameters: true));
        var trust = TrustBundle.Load(Path.Combine(clusters.West.Settings.DataDir, "trust-anchors.pem"));
        // The allowed identity, but signed by an anchor west does not trust.
        using var channel = FederationChannel.Create(clusters.FederationAddress, clusters.WestIdentity,
            new MeshCredentialsHolder(MeshCredentials.Create(key, issued.Leaf, issued.Intermediates, stranger.TrustBundle)), trust);
        var e = await Assert.ThrowsAsync<RpcException>(() => FirstAsync(channel));
        Assert.Contains(e.StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal });
    }

    [Fact]
    public async Task WatchExports_PeerRemovedFromAllowList_IsCutOffAtTheNextHeartbeat()
    {
        await TwoClusters.ApplyAsync(clusters.West, """
            apiVersion: multicluster.mesh.io/v1alpha1
            kind: FederationPeer
            metadata: {name: east-probe, namespace: mesh}
            spec: {identity: "spiffe://east.mesh/ns/mesh/sa/probe"}
            """);
        using var channel = clusters.As(clusters.East, "mesh", "probe");
        using var call = Watch(channel);
        Assert.Equal(ExportsUpdate.KindOneofCase.Snapshot, (await NextAsync(call, skipHeartbeats: true)).KindCase);

        await TwoClusters.DeleteAsync(clusters.West, "federationpeers", "mesh", "east-probe");
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (true) await NextAsync(call, skipHeartbeats: true);
        });
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
    }

    private static AsyncServerStreamingCall<ExportsUpdate> Watch(GrpcChannel channel) =>
        new Api.V1.Federation.FederationClient(channel).WatchExports(new WatchExportsRequest { ClusterName = "east" },
            deadline: DateTime.UtcNow + Deadline);

    private static async Task<ExportsUpdate> FirstAsync(GrpcChannel channel)
    {
        using var call = Watch(channel);
        return await NextAsync(call, skipHeartbeats: false);
    }

    private static async Task<ExportsUpdate> NextAsync(AsyncServerStreamingCall<ExportsUpdate> call, bool skipHeartbeats)
    {
        while (true)
        {
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None), "the watch ended");
            var update = call.ResponseStream.Current;
            if (!skipHeartbeats || update.KindCase != ExportsUpdate.KindOneofCase.Heartbeat) return update;
        }
    }
}
