using System.Collections;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Grpc.Net.Client;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;
using Mesh.Api.V1;
using Mesh.ControlPlane.Tests.Support;
using Mesh.Identity.Ca;
using Mesh.Identity.Client;
using Mesh.Kubernetes.Tests.Deploy;
using Mesh.Names;
using Mesh.Silo.Hosting;
using Mesh.Silo.Kubernetes.Sync;
using Mesh.Testing.KubeApi.Resources;
using Mesh.Testing.KubeApi.Seams;
using Xunit.Abstractions;

namespace Mesh.Kubernetes.Tests.Sync;

/// <summary>Issue 13 in Kubernetes mode, against the fake API server enforcing the RBAC deploy/manifests/rbac.yaml
/// ships: east is a Kubernetes-mode silo whose sync reads a Link CR; west a local-mode silo (its own trust domain under
/// the same anchor) that exports <c>books</c> over its federation listener. East's link grain mirrors it into the
/// catalog (source link/west) and the leader publishes the mirror as a selectorless Service <c>books-west</c> with its
/// EndpointSlice in the API server, never reads it back as its own, writes the Link's status, and deletes the mirror
/// when west stops exporting; a user's Service of a mirror's name is never touched.</summary>
[Trait("Category", "E2E")]
public sealed class LinkMirrorSyncTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Ns = "shop";
    private const string WestDomain = "west.mesh", EastDomain = "east.mesh";
    private readonly string _root = Directory.CreateTempSubdirectory("mesh-k8s-link-").FullName;
    private CertificateAuthority _anchor = null!;
    private SyncCluster _east = null!;
    private SiloHost _west = null!;

    private static string SiloIdentity(string domain) => SpiffeId.Format(domain, "mesh", "silo");

    public async Task InitializeAsync()
    {
        _anchor = CertificateAuthority.Create(WestDomain);
        _anchor.Save(Path.Combine(_root, "west", "ca"));
        _west = await SiloHost.StartAsync(SiloSettingsLoader.Load(
            ["--admin", "127.0.0.1:0", "--control", "127.0.0.1:0", "--data-dir", Path.Combine(_root, "west"), "--cluster-name", "west",
                "--trust-domain", WestDomain, "--federation", "127.0.0.1:0", "--multicluster-gateway", "127.0.0.1:4143",
                "--multicluster-gateway-identity", SpiffeId.Format(WestDomain, "mesh", "gateway")],
            new Hashtable { ["MESH_LOG_LEVEL"] = "Error", ["MESH_FEDERATION_HEARTBEAT_MS"] = "200" }));
        await ApplyWestAsync($$"""
            apiVersion: multicluster.mesh.io/v1alpha1
            kind: FederationPeer
            metadata: {name: east, namespace: mesh}
            spec: {identity: "{{SiloIdentity(EastDomain)}}"}
            """);

        // The east silo's ServiceAccount may do exactly what the shipped RBAC grants it.
        var rbac = ShippedRbac.For(YamlJson.Documents(File.ReadAllText(Path.Combine(MeshInstall.RepoRoot(), "deploy", "manifests", "rbac.yaml"))
            .Replace("{{namespace}}", SyncCluster.LeaseNamespace)), SyncCluster.LeaseNamespace, KubernetesObjects.Silo);
        var authorizer = new RulesAuthorizer();
        rbac.Restrict(authorizer, $"system:serviceaccount:{SyncCluster.LeaseNamespace}:{KubernetesObjects.Silo}");
        _east = await SyncCluster.StartAsync(authorizer);
        await _east.CreateAsync("v1", "namespaces", null, $$$"""{"metadata":{"name":"{{{KubernetesObjects.Namespace}}}"}}""");
        // East has something of its own in the namespace (mirrors go only where the cluster has resources).
        await _east.CreateAsync("v1", "services", Ns, """{"metadata":{"name":"web"},"spec":{"selector":{"app":"web"},"ports":[{"name":"http","port":80}]}}""");
    }

    public async Task DisposeAsync()
    {
        await _east.DisposeAsync();
        await _west.DisposeAsync();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private Task<SiloHost> StartEastAsync() => _east.StartSiloAsync("east-0",
        args: ["--cluster-name", "east", "--trust-domain", EastDomain],
        prepare: dir => CertificateAuthority.FromAnchor(_anchor.Anchor, EastDomain).Save(Path.Combine(dir, "ca")));

    /// <summary>West's gateway (127.0.0.1:4143) does not run here: its probe fails, and each failure is a new
    /// GatewayAlive message (the count) in the Link status. One probe an hour keeps the status still while a test
    /// watches it settle; the gateway's health is the probe tests' business.</summary>
    private string LinkCr(string name = "west", string? identity = null) => $$$"""
        {"metadata":{"name":"{{{name}}}"},"spec":{"targetClusterName":"west",
          "federationAddress":"127.0.0.1:{{{_west.Settings.Federation!.Port}}}","federationIdentity":"{{{identity ?? SiloIdentity(WestDomain)}}}",
          "probeSpec":{"period":"1h"} } }
        """;

    private static string WestService(string name, string labels) => $$$"""
        apiVersion: v1
        kind: Service
        metadata: {name: {{{name}}}, namespace: {{{Ns}}}, labels: { {{{labels}}} } }
        spec:
          selector: { app: {{{name}}} }
          ports: [{name: http, port: 8080, targetPort: http}]
        ---
        apiVersion: mesh.io/v1alpha1
        kind: Workload
        metadata: {name: {{{name}}}-1, namespace: {{{Ns}}}, labels: { app: {{{name}}} } }
        spec:
          serviceAccount: {{{name}}}
          addresses: [10.1.0.1]
          ports: [{name: http, port: 9090}]
          proxy: {inboundPort: 4143}
        """;

    private async Task ApplyWestAsync(string yaml)
    {
        using var admin = new HttpClient { BaseAddress = _west.AdminUri, Timeout = TimeSpan.FromSeconds(30) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            File.ReadAllText(Path.Combine(_west.Settings.DataDir, "admin-token")).Trim());
        var response = await admin.PostAsync("/api/v1/apply", new StringContent(yaml, Encoding.UTF8, "application/yaml"));
        Assert.True(response.IsSuccessStatusCode, $"apply on west answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    private JsonObject? Get(string apiVersion, string plural, string? ns, string name) =>
        _east.Api.Resources.Get(_east.Api.Kind(apiVersion, plural), ns, name).Value;

    private Task<JsonObject?> GetAsync(string apiVersion, string plural, string? ns, string name) => Task.FromResult(Get(apiVersion, plural, ns, name));

    private JsonObject? LinkStatus(string name = "west") => Get("multicluster.mesh.io/v1alpha1", "links", KubernetesObjects.Namespace, name)?["status"] as JsonObject;

    private static JsonObject? Mirror(JsonObject? status, string name) =>
        (status?["services"] as JsonArray ?? []).OfType<JsonObject>().SingleOrDefault(s => (string?)s["name"] == name);

    private static string? Label(JsonObject? obj, string key) => (string?)obj?["metadata"]?["labels"]?[key];

    [Fact]
    public async Task LinkCr_MirrorPublishedSelectorless_StatusWritten_NotReadBack_Settles_DeletedOnUnexport()
    {
        await ApplyWestAsync(WestService("books", "mirror.mesh.io/exported: \"true\", tier: backend"));
        var east = await StartEastAsync();
        var started = DateTime.UtcNow;
        await _east.CreateAsync("multicluster.mesh.io/v1alpha1", "links", KubernetesObjects.Namespace, LinkCr());

        // The Link CR is synced (source kubernetes) and the link grain mirrors west's books.
        var link = await SyncCluster.EventuallyAsync(() => SyncCluster.GetAsync(east, KubernetesObjects.Namespace, "Link", "west"), l => l is not null, "the Link in the catalog");
        Assert.Equal(ResourceSources.Kubernetes, link!.Source);

        // The mirror appears in the API server: selectorless, labelled as ours, with the gateway as its endpoint.
        var service = await SyncCluster.EventuallyAsync(() => GetAsync("v1", "services", Ns, "books-west"), s => s is not null, "Service books-west in the API server");
        output.WriteLine($"Link CR created → Service books-west in the API server in {(DateTime.UtcNow - started).TotalMilliseconds:0} ms");
        Assert.Null(service!["spec"]!["selector"]);
        Assert.Equal("ClusterIP", (string?)service["spec"]!["type"]);
        Assert.False(string.IsNullOrEmpty((string?)service["spec"]!["clusterIP"]), "the API server gave the mirror a cluster IP (what DNS answers)");
        Assert.Equal(8080, (int)service["spec"]!["ports"]![0]!["port"]!);
        Assert.Equal(MirrorObjects.Manager, Label(service, MirrorObjects.ServiceManagedByLabel));
        Assert.Equal("true", Label(service, MirrorObjects.MirroredServiceLabel));
        Assert.Equal("west", Label(service, MulticlusterNames.ClusterLabel));
        Assert.Equal("backend", Label(service, "tier"));
        Assert.Equal("link/west", (string?)service["metadata"]!["annotations"]![MirrorObjects.SourceAnnotation]);
        var slice = await SyncCluster.EventuallyAsync(() => GetAsync("discovery.k8s.io/v1", "endpointslices", Ns, "books-west"), s => s is not null, "EndpointSlice books-west");
        Assert.Equal("books-west", Label(slice, KubernetesObjects.ServiceNameLabel));
        Assert.Equal(MirrorObjects.Manager, Label(slice, MirrorObjects.SliceManagedByLabel));
        Assert.Equal("127.0.0.1", (string?)slice!["endpoints"]![0]!["addresses"]![0]);
        Assert.Equal(4143, (int)slice["ports"]![0]!["port"]!);

        // The Link CR's status: connected, books-west mirrored, for this generation.
        var status = await SyncCluster.EventuallyAsync(() => Task.FromResult(LinkStatus()),
            s => (string?)Mirror(s, "books-west")?["reason"] == "Mirrored" && (string?)s!["conditions"]?[0]?["status"] == "True", "Link status: connected, books-west Mirrored");
        Assert.Equal("FederationConnected", (string?)status!["conditions"]![0]!["type"]);
        Assert.Equal("Connected", (string?)status["conditions"]![0]!["reason"]);
        Assert.Equal(1, (long)status["observedGeneration"]!);
        Assert.Equal((Ns, "books"), ((string?)Mirror(status, "books-west")!["namespace"], (string?)Mirror(status, "books-west")!["remoteService"]));

        // No loop: the sync saw the published objects and left them to the link (source link/west), nothing refused.
        var sync = await SyncCluster.EventuallyAsync(() => SyncCluster.StatusAsync(east),
            s => s.Kinds.Single(k => k.Kind == "Service").Objects >= 2 && s.Kinds.Single(k => k.Kind == "EndpointSlice").Objects >= 1, "the sync saw the mirror objects");
        Assert.Equal("link/west", (await SyncCluster.GetAsync(east, Ns, "Service", "books-west"))!.Source);
        Assert.Equal("link/west", (await SyncCluster.GetAsync(east, Ns, "EndpointSlice", "books-west"))!.Source);
        // Settled: the next passes (polls, the sync's own events, a resync trigger) rewrite neither the mirror nor the status.
        var versions = (Rv(service), Rv(slice), Rv(Get("multicluster.mesh.io/v1alpha1", "links", KubernetesObjects.Namespace, "west")));
        await _east.CreateAsync("v1", "services", Ns, """{"metadata":{"name":"unrelated"},"spec":{"ports":[{"port":81}]}}""");
        await Task.Delay(2000);
        Assert.Equal(versions, (Rv(Get("v1", "services", Ns, "books-west")), Rv(Get("discovery.k8s.io/v1", "endpointslices", Ns, "books-west")),
            Rv(Get("multicluster.mesh.io/v1alpha1", "links", KubernetesObjects.Namespace, "west"))));
        // Reading its own mirrors back as source kubernetes would have been refused by the catalog (the link owns them).
        sync = await SyncCluster.StatusAsync(east);
        Assert.Null(sync.LastError);
        Assert.Empty(sync.Skipped);
        Assert.Equal("link/west", (await SyncCluster.GetAsync(east, Ns, "Service", "books-west"))!.Source);

        // A mirror deleted by hand comes back (the mesh owns it).
        await _east.DeleteAsync("v1", "services", Ns, "books-west");
        await SyncCluster.EventuallyAsync(() => GetAsync("v1", "services", Ns, "books-west"), s => s is not null, "books-west recreated");

        // West stops exporting books: the Service and its slice leave the API server; east's own Service stays.
        await ApplyWestAsync(WestService("books", "tier: backend"));
        await SyncCluster.EventuallyAsync(() => Task.FromResult((Get("v1", "services", Ns, "books-west"), Get("discovery.k8s.io/v1", "endpointslices", Ns, "books-west"))),
            o => o.Item1 is null && o.Item2 is null, "books-west deleted from the API server after the unexport");
        Assert.NotNull(Get("v1", "services", Ns, "web"));
        await SyncCluster.EventuallyAsync(() => Task.FromResult(LinkStatus()), s => Mirror(s, "books-west") is null, "books-west gone from the Link status");
    }

    /// <summary>East's control plane, whose certificate is of trust domain east.mesh.</summary>
    private static GrpcChannel Control(SiloHost silo)
    {
        var (address, handler) = ControlPlaneConnection.Create(silo.ControlUri,
            ControlPlaneConnection.LoadTrust(Path.Combine(silo.Settings.DataDir, "trust-anchors.pem")), EastDomain);
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler });
    }

    private static WatchClient Watch(GrpcChannel channel, string authority) => new(new Api.V1.Discovery.DiscoveryClient(channel), authority, Ns);

    private static string ClusterIp(JsonObject? service) => (string?)service?["spec"]?["clusterIP"] ?? "";

    private static async Task<string> CatalogClusterIpAsync(SiloHost east, string name) =>
        (string?)JsonNode.Parse((await SyncCluster.GetAsync(east, Ns, "Service", name))?.Json ?? "{}")?["spec"]?["clusterIP"] ?? "";

    [Fact]
    public async Task MirrorClusterIp_AllocatedByTheApiServer_ResolvesByAddress_OwnershipStaysTheLinks()
    {
        await ApplyWestAsync($$"""
            apiVersion: v1
            kind: Service
            metadata: {name: books, namespace: {{Ns}}, labels: {mirror.mesh.io/exported: "true"} }
            spec:
              selector: { app: books }
              ports: [{name: http, port: 8080, targetPort: http}, {name: db, port: 5432, targetPort: 5432, appProtocol: tcp}]
            ---
            apiVersion: mesh.io/v1alpha1
            kind: Workload
            metadata: {name: books-1, namespace: {{Ns}}, labels: { app: books } }
            spec:
              serviceAccount: books
              addresses: [10.1.0.1]
              ports: [{name: http, port: 9090}, {name: db, port: 5432}]
              proxy: {inboundPort: 4143}
            """);
        var east = await StartEastAsync();
        await _east.CreateAsync("multicluster.mesh.io/v1alpha1", "links", KubernetesObjects.Namespace, LinkCr());

        // The API server allocates the mirror's cluster IP; the catalog's mirror learns it and stays the link's.
        var service = await SyncCluster.EventuallyAsync(() => GetAsync("v1", "services", Ns, "books-west"), s => s is not null, "Service books-west in the API server");
        var ip = ClusterIp(service);
        Assert.StartsWith("10.96.", ip);
        await SyncCluster.EventuallyAsync(() => CatalogClusterIpAsync(east, "books-west"), c => c == ip, $"the catalog's books-west carrying {ip}");
        var stored = (await SyncCluster.GetAsync(east, Ns, "Service", "books-west"))!;
        Assert.Equal("link/west", stored.Source);
        Assert.Equal(ip, (string?)JsonNode.Parse(stored.Json)!["spec"]!["clusterIPs"]![0]);

        // Discovery by address: a meshed pod in transparent mode calling ClusterIP:port gets the mirror (the gateway).
        using var channel = Control(east);
        await using var http = Watch(channel, $"{ip}:8080");
        await http.WaitUntil(w => w.Exists && w.Endpoints.Count == 1, "books-west behind its ClusterIP:8080", TimeSpan.FromSeconds(20));
        var snapshot = http.Updates.Last(u => u.KindCase == ServiceUpdate.KindOneofCase.Snapshot).Snapshot;
        Assert.Equal(("books-west", Ns), (snapshot.Name, snapshot.Namespace));
        var gateway = http.Endpoints.Values.Single();
        Assert.Equal(("127.0.0.1:4143", SpiffeId.Format(WestDomain, "mesh", "gateway")), (gateway.Key, gateway.Identity));
        await using var opaque = Watch(channel, $"{ip}:5432");
        await opaque.WaitUntil(w => w.Exists && w.Endpoints.Count == 1 && w.Profile is not null, "books-west behind its ClusterIP:5432 (opaque TCP)", TimeSpan.FromSeconds(20));
        Assert.True(opaque.Profile!.Opaque);

        // No read-back loop: the API server's mirror settles (the address is never written back to it).
        var settled = Rv(Get("v1", "services", Ns, "books-west"));
        await Task.Delay(2000);
        Assert.Equal(settled, Rv(Get("v1", "services", Ns, "books-west")));
        Assert.Null((await SyncCluster.StatusAsync(east)).LastError);

        // Deleted by hand: recreated with a new cluster IP, which the mirror follows; the old one no longer resolves.
        await _east.DeleteAsync("v1", "services", Ns, "books-west");
        var again = await SyncCluster.EventuallyAsync(() => GetAsync("v1", "services", Ns, "books-west"), s => s is not null && ClusterIp(s) != ip, "books-west recreated");
        var newIp = ClusterIp(again);
        await SyncCluster.EventuallyAsync(() => CatalogClusterIpAsync(east, "books-west"), c => c == newIp, $"the catalog's books-west carrying {newIp}");
        await http.WaitUntil(w => !w.Exists, $"the old {ip}:8080 released", TimeSpan.FromSeconds(20));
        await using var moved = Watch(channel, $"{newIp}:8080");
        await moved.WaitUntil(w => w.Exists && w.Endpoints.Count == 1, "books-west behind its new ClusterIP", TimeSpan.FromSeconds(20));
        Assert.Equal("link/west", (await SyncCluster.GetAsync(east, Ns, "Service", "books-west"))!.Source);

        // West stops exporting: the mirror and its address claim go.
        await ApplyWestAsync(WestService("books", "tier: backend"));
        await moved.WaitUntil(w => !w.Exists, "the mirror's ClusterIP released after the unexport", TimeSpan.FromSeconds(20));
    }

    private static string Rv(JsonObject? obj) => (string?)obj?["metadata"]?["resourceVersion"] ?? "(none)";

    [Fact]
    public async Task UserService_WithAMirrorsName_NeverTouched_StatusSaysNameConflict()
    {
        // A user's own Service named as west's mirror would be, before anything is linked.
        var user = await _east.CreateAsync("v1", "services", Ns, """
            {"metadata":{"name":"authors-west","labels":{"owner":"me"}},"spec":{"selector":{"app":"mine"},"ports":[{"name":"http","port":9000}]}}
            """);
        await ApplyWestAsync(WestService("authors", "mirror.mesh.io/exported: \"true\"") + "\n---\n" + WestService("books", "mirror.mesh.io/exported: \"true\""));
        var east = await StartEastAsync();
        await _east.CreateAsync("multicluster.mesh.io/v1alpha1", "links", KubernetesObjects.Namespace, LinkCr());

        var status = await SyncCluster.EventuallyAsync(() => Task.FromResult(LinkStatus()),
            s => (string?)Mirror(s, "authors-west")?["reason"] == "NameConflict" && (string?)Mirror(s, "books-west")?["reason"] == "Mirrored",
            "Link status: authors-west NameConflict, books-west Mirrored");
        Assert.Equal("False", (string?)Mirror(status, "authors-west")!["status"]);
        await SyncCluster.EventuallyAsync(() => GetAsync("v1", "services", Ns, "books-west"), s => s is not null, "books-west published");
        Assert.Equal(ResourceSources.Kubernetes, (await SyncCluster.GetAsync(east, Ns, "Service", "authors-west"))!.Source);

        // The user's Service is as the user left it; no slice of ours was put behind it.
        await Task.Delay(1000);
        var now = Get("v1", "services", Ns, "authors-west")!;
        Assert.Equal(Rv(user), Rv(now));
        Assert.Null(Label(now, MirrorObjects.ServiceManagedByLabel));
        Assert.Null(Get("discovery.k8s.io/v1", "endpointslices", Ns, "authors-west"));

        // The other order: books-west is ours in the catalog, but the API server's object is replaced by a user's.
        // The publisher never overwrites or deletes it, and the status says so.
        var kind = _east.Api.Kind("v1", "services");
        while (true)
        {
            await _east.Api.Resources.DeleteAsync(kind, Ns, "books-west", null);
            if ((await _east.Api.Resources.CreateAsync(kind, Ns, JsonNode.Parse("""
                    {"metadata":{"name":"books-west"},"spec":{"selector":{"app":"mine"},"ports":[{"port":7000}]}}
                    """))).Ok) break; // else the publisher recreated ours first: take it away again
        }
        var conflict = await SyncCluster.EventuallyAsync(() => Task.FromResult(LinkStatus()),
            s => (string?)Mirror(s, "books-west")?["reason"] == "NameConflict", "Link status: books-west NameConflict once the API server holds the user's");
        Assert.Contains("never overwritten", (string?)Mirror(conflict, "books-west")!["message"]);
        var theirs = Get("v1", "services", Ns, "books-west")!;
        // The user's cluster IP is not the mirror's: the mirror (still the link's) carries none.
        await SyncCluster.EventuallyAsync(() => CatalogClusterIpAsync(east, "books-west"), c => c == "", "the mirror without an address while the user holds its name");
        Assert.Equal("link/west", (await SyncCluster.GetAsync(east, Ns, "Service", "books-west"))!.Source);
        await Task.Delay(1000);
        Assert.Equal(Rv(theirs), Rv(Get("v1", "services", Ns, "books-west")));
        Assert.Equal(7000, (int)Get("v1", "services", Ns, "books-west")!["spec"]!["ports"]![0]!["port"]!);
        Assert.Null(Get("discovery.k8s.io/v1", "endpointslices", Ns, "books-west")); // ours deleted: it would serve the user's Service
    }

    [Fact]
    public async Task InvalidLinkCr_SkippedWithFieldPathEvent_WhileTheValidOneSyncs()
    {
        await ApplyWestAsync(WestService("books", "mirror.mesh.io/exported: \"true\""));
        var east = await StartEastAsync();
        await _east.CreateAsync("multicluster.mesh.io/v1alpha1", "links", KubernetesObjects.Namespace, LinkCr("bad", identity: "west-silo"));
        await _east.CreateAsync("multicluster.mesh.io/v1alpha1", "links", KubernetesObjects.Namespace, LinkCr());

        await SyncCluster.EventuallyAsync(() => GetAsync("v1", "services", Ns, "books-west"), s => s is not null, "the valid Link's mirror published");
        var sync = await SyncCluster.EventuallyAsync(() => SyncCluster.StatusAsync(east), s => s.Skipped.Count > 0, "the invalid Link listed as skipped");
        var skipped = Assert.Single(sync.Skipped);
        Assert.Equal(("Link", KubernetesObjects.Namespace, "bad"), (skipped.Kind, skipped.Namespace, skipped.Name));
        Assert.Contains(skipped.Errors, e => e.StartsWith("spec.federationIdentity", StringComparison.Ordinal));
        Assert.Null(await SyncCluster.GetAsync(east, KubernetesObjects.Namespace, "Link", "bad"));

        var events = await SyncCluster.EventuallyAsync(
            () => Task.FromResult(_east.Api.Resources.List(_east.Api.Kind("v1", "events"), KubernetesObjects.Namespace,
                ListQuery.Parse(new Microsoft.AspNetCore.Http.QueryCollection()).Value!).Value!["items"]!.AsArray()),
            items => items.Any(e => (string?)e!["involvedObject"]!["name"] == "bad"), "an Event on the invalid Link");
        var ev = events.Single(e => (string?)e!["involvedObject"]!["name"] == "bad")!;
        Assert.Equal((InvalidObjectEvents.Reason, "Warning", "Link"), ((string?)ev["reason"], (string?)ev["type"], (string?)ev["involvedObject"]!["kind"]));
        Assert.Contains("spec.federationIdentity", (string?)ev["message"]);
        Assert.Null(LinkStatus("bad")); // nothing the mesh holds: no status written
    }
}
