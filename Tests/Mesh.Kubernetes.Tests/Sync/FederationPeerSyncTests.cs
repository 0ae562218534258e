using System.Collections;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Mesh.Abstractions.Grains;
using Mesh.Grains.Federation;
using Mesh.Identity.Ca;
using Mesh.Kubernetes.Tests.Deploy;
using Mesh.Names;
using Mesh.Silo.Hosting;
using Mesh.Silo.Kubernetes.Sync;
using Mesh.Testing.KubeApi.Resources;
using Mesh.Testing.KubeApi.Seams;

namespace Mesh.Kubernetes.Tests.Sync;

/// <summary>FederationPeer CRs in Kubernetes mode, against the fake API server enforcing the RBAC
/// deploy/manifests/rbac.yaml ships: west is a Kubernetes-mode silo exporting <c>books</c> over its federation listener,
/// east a local-mode silo (its own trust domain under the same anchor) with a Link to west. West refuses east until a
/// FederationPeer CR naming east's silo identity is synced into west's catalog (source kubernetes), then east's link
/// connects and mirrors books; deleting the CR revokes it at west's next heartbeat; an invalid CR is skipped with its
/// field path and allows nobody.</summary>
[Trait("Category", "E2E")]
public sealed class FederationPeerSyncTests : IAsyncLifetime
{
    private const string Ns = "shop";
    private const string WestDomain = "west.mesh", EastDomain = "east.mesh";
    private const string PeerApi = "multicluster.mesh.io/v1alpha1", Peers = "federationpeers";
    private readonly string _root = Directory.CreateTempSubdirectory("mesh-k8s-peer-").FullName;
    private CertificateAuthority _anchor = null!;
    private SyncCluster _west = null!;
    private SiloHost _westSilo = null!;
    private SiloHost _east = null!;

    private static string SiloIdentity(string domain) => SpiffeId.Format(domain, "mesh", "silo");

    public async Task InitializeAsync()
    {
        _anchor = CertificateAuthority.Create(EastDomain);
        var rbac = ShippedRbac.For(YamlJson.Documents(File.ReadAllText(Path.Combine(MeshInstall.RepoRoot(), "deploy", "manifests", "rbac.yaml"))
            .Replace("{{namespace}}", SyncCluster.LeaseNamespace)), SyncCluster.LeaseNamespace, KubernetesObjects.Silo);
        var authorizer = new RulesAuthorizer();
        rbac.Restrict(authorizer, $"system:serviceaccount:{SyncCluster.LeaseNamespace}:{KubernetesObjects.Silo}");
        _west = await SyncCluster.StartAsync(authorizer);
        await _west.CreateAsync("v1", "namespaces", null, $$$"""{"metadata":{"name":"{{{KubernetesObjects.Namespace}}}"}}""");
        await _west.CreateAsync("v1", "services", Ns, """
            {"metadata":{"name":"books","labels":{"mirror.mesh.io/exported":"true"}},"spec":{"selector":{"app":"books"},"ports":[{"name":"http","port":8080}]}}
            """);
        _westSilo = await _west.StartSiloAsync("west-0",
            args: ["--cluster-name", "west", "--trust-domain", WestDomain, "--federation", "127.0.0.1:0", "--federation-heartbeat-ms", "200",
                "--multicluster-gateway", "127.0.0.1:4143", "--multicluster-gateway-identity", SpiffeId.Format(WestDomain, "mesh", "gateway")],
            prepare: dir => CertificateAuthority.FromAnchor(_anchor.Anchor, WestDomain).Save(Path.Combine(dir, "ca")));

        _anchor.Save(Path.Combine(_root, "east", "ca"));
        _east = await SiloHost.StartAsync(SiloSettingsLoader.Load(
            ["--admin", "127.0.0.1:0", "--control", "127.0.0.1:0", "--data-dir", Path.Combine(_root, "east"), "--cluster-name", "east",
                "--trust-domain", EastDomain],
            new Hashtable { ["MESH_LOG_LEVEL"] = "Error" }));
        // East has something of its own in the namespace (mirrors go only where the cluster has resources), and its Link.
        await ApplyEastAsync($$"""
            apiVersion: v1
            kind: Service
            metadata: {name: web, namespace: {{Ns}}}
            spec: {selector: {app: web}, ports: [{name: http, port: 80}]}
            ---
            apiVersion: multicluster.mesh.io/v1alpha1
            kind: Link
            metadata: {name: west, namespace: mesh}
            spec:
              targetClusterName: west
              federationAddress: "127.0.0.1:{{_westSilo.Settings.Federation!.Port}}"
              federationIdentity: "{{SiloIdentity(WestDomain)}}"
              probeSpec: {period: 1h}
            """);
    }

    public async Task DisposeAsync()
    {
        await _east.DisposeAsync();
        await _west.DisposeAsync();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private async Task ApplyEastAsync(string yaml)
    {
        using var admin = new HttpClient { BaseAddress = _east.AdminUri, Timeout = TimeSpan.FromSeconds(30) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            File.ReadAllText(Path.Combine(_east.Settings.DataDir, "admin-token")).Trim());
        var response = await admin.PostAsync("/api/v1/apply", new StringContent(yaml, Encoding.UTF8, "application/yaml"));
        Assert.True(response.IsSuccessStatusCode, $"apply on east answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    private Task<LinkStatus> EastLinkAsync() => SyncCluster.Grains(_east).GetGrain<ILinkGrain>("west").GetStatusAsync();

    private static string Peer(string name, string identity) => $$$"""
        {"metadata":{"name":"{{{name}}}"},"spec":{"identity":"{{{identity}}}"}}
        """;

    [Fact]
    public async Task FederationPeerCr_Synced_AllowsThePeer_DeletedRevokes()
    {
        // No FederationPeer yet: west refuses east's silo, and says how to allow it.
        var refused = await SyncCluster.EventuallyAsync(EastLinkAsync,
            s => !s.FederationConnected.Status && s.FederationConnected.Message.Contains("may not watch this cluster's exports"), "east refused by west");
        Assert.Contains($"mesh multicluster allow {SiloIdentity(EastDomain)}", refused.FederationConnected.Message);

        await _west.CreateAsync(PeerApi, Peers, KubernetesObjects.Namespace, Peer("east-mesh-silo", SiloIdentity(EastDomain)));

        // Synced into west's catalog as the Kubernetes sync's (under the shipped RBAC), so east connects and mirrors books.
        var stored = await SyncCluster.EventuallyAsync(() => SyncCluster.GetAsync(_westSilo, KubernetesObjects.Namespace, "FederationPeer", "east-mesh-silo"),
            r => r is not null, "the FederationPeer in west's catalog");
        Assert.Equal(ResourceSources.Kubernetes, stored!.Source);
        await SyncCluster.EventuallyAsync(EastLinkAsync, s => s.FederationConnected.Status, "east's link connected once the CR allows it");
        var mirror = await SyncCluster.EventuallyAsync(() => SyncCluster.GetAsync(_east, Ns, "Service", "books-west"), r => r is not null, "books-west mirrored on east");
        Assert.Equal("link/west", mirror!.Source);

        // The CR deleted: gone from the catalog, and east's open watch is ended at west's next heartbeat.
        await _west.DeleteAsync(PeerApi, Peers, KubernetesObjects.Namespace, "east-mesh-silo");
        await SyncCluster.EventuallyAsync(() => SyncCluster.GetAsync(_westSilo, KubernetesObjects.Namespace, "FederationPeer", "east-mesh-silo"),
            r => r is null, "the FederationPeer deleted from west's catalog");
        await SyncCluster.EventuallyAsync(EastLinkAsync,
            s => !s.FederationConnected.Status && s.FederationConnected.Message.Contains("may not watch this cluster's exports"), "east refused again");
        // The mirror keeps its last state (a lost stream is a condition, not an outage).
        Assert.NotNull(await SyncCluster.GetAsync(_east, Ns, "Service", "books-west"));
    }

    [Fact]
    public async Task InvalidFederationPeerCr_SkippedWithFieldPathEvent_AllowsNobody()
    {
        // A bare name where a SPIFFE id belongs: refused with its field path, never in the catalog.
        await _west.CreateAsync(PeerApi, Peers, KubernetesObjects.Namespace, Peer("east", "east-silo"));

        var sync = await SyncCluster.EventuallyAsync(() => SyncCluster.StatusAsync(_westSilo), s => s.Skipped.Count > 0, "the invalid FederationPeer listed as skipped");
        var skipped = Assert.Single(sync.Skipped);
        Assert.Equal(("FederationPeer", KubernetesObjects.Namespace, "east"), (skipped.Kind, skipped.Namespace, skipped.Name));
        Assert.Contains(skipped.Errors, e => e.StartsWith("spec.identity: \"east-silo\" is not a mesh identity", StringComparison.Ordinal));
        Assert.Null(await SyncCluster.GetAsync(_westSilo, KubernetesObjects.Namespace, "FederationPeer", "east"));
        var events = await SyncCluster.EventuallyAsync(
            () => Task.FromResult(_west.Api.Resources.List(_west.Api.Kind("v1", "events"), KubernetesObjects.Namespace,
                ListQuery.Parse(new Microsoft.AspNetCore.Http.QueryCollection()).Value!).Value!["items"]!.AsArray()),
            items => items.Any(e => (string?)e!["involvedObject"]!["name"] == "east"), "an Event on the invalid FederationPeer");
        var ev = events.Single(e => (string?)e!["involvedObject"]!["name"] == "east")!;
        Assert.Equal((InvalidObjectEvents.Reason, "Warning", "FederationPeer"), ((string?)ev["reason"], (string?)ev["type"], (string?)ev["involvedObject"]!["kind"]));
        Assert.Contains("spec.identity", (string?)ev["message"]);

        // It allows nobody: east stays refused.
        var status = await EastLinkAsync();
        Assert.False(status.FederationConnected.Status);
        Assert.Null(await SyncCluster.GetAsync(_east, Ns, "Service", "books-west"));

        // Fixed in place: off the skipped list, and east gets in.
        var kind = _west.Api.Kind(PeerApi, Peers);
        var patched = await _west.Api.Resources.PatchAsync(kind, KubernetesObjects.Namespace, "east", "application/merge-patch+json",
            JsonNode.Parse($$$"""{"spec":{"identity":"{{{SiloIdentity(EastDomain)}}}"}}"""), status: false);
        Assert.True(patched.Ok, patched.Error?.Message);
        await SyncCluster.EventuallyAsync(() => SyncCluster.StatusAsync(_westSilo), s => s.Skipped.Count == 0, "the fixed FederationPeer off the skipped list");
        await SyncCluster.EventuallyAsync(EastLinkAsync, s => s.FederationConnected.Status, "east's link connected once the CR is fixed");
    }
}
