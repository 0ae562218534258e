using System.Collections.Immutable;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.Names;
using Mesh.Silo.Hosting;
using Mesh.Silo.Discovery;

namespace Mesh.ControlPlane.Tests.Federation;

/// <summary>Service mirroring between two real silos: east holds a Link to west, its link grain watches west's exports
/// over mesh mTLS and writes the mirrors into east's catalog with source link/west. Each test uses its own namespace
/// (both silos are shared by the class) and applies the Link itself, so none depends on another's order.</summary>
public sealed class LinkMirrorTests(TwoClusters clusters) : IClassFixture<TwoClusters>
{
    private const string Source = "link/west";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private IGrainFactory EastGrains => clusters.East.Services.GetRequiredService<IGrainFactory>();

    internal static string Link(string federationAddress, string name = "west", string identity = "spiffe://west.mesh/ns/mesh/sa/silo") => $"""
        apiVersion: multicluster.mesh.io/v1alpha1
        kind: Link
        metadata: {"{"}name: {name}, namespace: mesh{"}"}
        spec:
          targetClusterName: {name}
          federationAddress: "{federationAddress}"
          federationIdentity: "{identity}"

        """;

    internal static string Service(string ns, string name, string labels, string selector, int port = 8080) => $"""
        apiVersion: v1
        kind: Service
        metadata:
          name: {name}
          namespace: {ns}
          labels: {"{"}{labels}{"}"}
        spec:
          selector: {"{"}{selector}{"}"}
          ports: [{"{"}name: http, port: {port}, targetPort: http{"}"}]
        ---

        """;

    internal static string Workload(string ns, string name, string app, string address, string serviceAccount) => $"""
        apiVersion: mesh.io/v1alpha1
        kind: Workload
        metadata: {"{"}name: {name}, namespace: {ns}, labels: {"{"}app: {app}{"}"}{"}"}
        spec:
          serviceAccount: {serviceAccount}
          addresses: [{address}]
          ports: [{"{"}name: http, port: 9090{"}"}]
          proxy: {"{"}inboundPort: 4143{"}"}
        ---

        """;

    /// <summary>East gets something of its own in <paramref name="ns"/> (mirrors go only where the cluster has
    /// resources) and the Link to west.</summary>
    private async Task LinkEastAsync(string ns)
    {
        await TwoClusters.ApplyAsync(clusters.East, Service(ns, "web", "tier: front", "app: web"));
        await TwoClusters.ApplyAsync(clusters.East, Link(clusters.FederationAddress));
    }

    [Fact]
    public async Task GatewayMode_MirrorHasTheGatewayEndpoint_FollowsScaleToZeroAndUnexport()
    {
        const string ns = "link-gateway";
        await TwoClusters.ApplyAsync(clusters.West, Service(ns, "books", "mirror.mesh.io/exported: \"true\", tier: backend", "app: books")
            + Workload(ns, "books-1", "books", "10.1.0.1", "books"));
        await LinkEastAsync(ns);

        var endpoints = await EventuallyAsync(() => EndpointsAsync(ns, "books-west"), e => e.Length == 1, "books-west gets the gateway endpoint");
        var gateway = endpoints[0];
        Assert.Equal(("127.0.0.1", "spiffe://west.mesh/ns/mesh/sa/gateway", 4143), (gateway.Address, gateway.Identity, gateway.ProxyInboundPort));
        Assert.Equal($"books.{ns}.svc.cluster.local", gateway.AuthorityOverride);
        // What east's proxies are told: mTLS to the gateway, naming west's own Service as the authority.
        var wire = DiscoveryTranslator.Endpoint(gateway, new ServicePortView("http", 8080, "4143", null, false), opaque: false)!;
        Assert.Equal(("spiffe://west.mesh/ns/mesh/sa/gateway", 4143u, $"books.{ns}.svc.cluster.local:8080"), (wire.Identity, wire.ProxyPort, wire.AuthorityOverride));

        var mirror = await ResourceAsync(ns, "Service", "books-west");
        Assert.Equal(Source, mirror!.Source);
        var doc = JsonNode.Parse(mirror.Json)!;
        Assert.Equal("backend", (string?)doc["metadata"]!["labels"]!["tier"]);
        Assert.Null(doc["metadata"]!["labels"]![MulticlusterNames.ExportedLabel]); // a mirror is never exported again
        Assert.Equal($"books.{ns}.svc.cluster.local", (string?)doc["metadata"]!["annotations"]![MulticlusterNames.RemoteFqdnAnnotation]);
        var status = await LinkStatusAsync("west");
        Assert.Equal("True", (string?)status["conditions"]![0]!["status"]);
        Assert.Contains(status["services"]!.AsArray(), s => (string?)s!["name"] == "books-west" && (string?)s["reason"] == "Mirrored");

        // West scales to zero: the mirror has no endpoint either.
        await TwoClusters.DeleteAsync(clusters.West, "workloads", ns, "books-1");
        await EventuallyAsync(() => EndpointsAsync(ns, "books-west"), e => e.IsEmpty, "books-west loses its endpoint");

        // West stops exporting it: the mirror and its slice are deleted, east's own Service stays.
        await TwoClusters.ApplyAsync(clusters.West, Service(ns, "books", "tier: backend", "app: books"));
        await EventuallyAsync(() => OwnedAsync(ns), o => o.IsEmpty, "books-west's resources are deleted");
        Assert.NotNull(await ResourceAsync(ns, "Service", "web"));
    }

    [Fact]
    public async Task FlatMode_MirrorEndpointsAreWestPodsWithWestIdentities()
    {
        const string ns = "link-flat";
        await TwoClusters.ApplyAsync(clusters.West, Service(ns, "authors", "mirror.mesh.io/exported: remote-discovery", "app: authors")
            + Workload(ns, "authors-1", "authors", "10.1.1.1", "authors") + Workload(ns, "authors-2", "authors", "10.1.1.2", "writer"));
        await LinkEastAsync(ns);

        var endpoints = await EventuallyAsync(() => EndpointsAsync(ns, "authors-west"), e => e.Length == 2, "authors-west gets both pods");
        Assert.Equal(
            [("10.1.1.1", $"spiffe://west.mesh/ns/{ns}/sa/authors", 4143, 9090), ("10.1.1.2", $"spiffe://west.mesh/ns/{ns}/sa/writer", 4143, 9090)],
            endpoints.OrderBy(e => e.Address).Select(e => (e.Address, e.Identity, e.ProxyInboundPort, e.Ports["http"])));
        Assert.All(endpoints, e => Assert.Null(e.AuthorityOverride));

        // A new pod on west appears on east.
        await TwoClusters.ApplyAsync(clusters.West, Workload(ns, "authors-3", "authors", "10.1.1.3", "authors"));
        await EventuallyAsync(() => EndpointsAsync(ns, "authors-west"), e => e.Length == 3, "authors-west gets the new pod");
    }

    [Fact]
    public async Task Federated_UnionsLocalAndRemoteMembers_RemoteLeavingDropsOnlyItsEndpoints()
    {
        const string ns = "link-federated";
        await TwoClusters.ApplyAsync(clusters.West, Service(ns, "reviews", "mirror.mesh.io/federated: member", "app: reviews")
            + Workload(ns, "reviews-w", "reviews", "10.1.2.1", "reviews"));
        await TwoClusters.ApplyAsync(clusters.East, Service(ns, "reviews", "mirror.mesh.io/federated: member", "app: reviews")
            + Workload(ns, "reviews-e", "reviews", "10.2.2.1", "reviews"));
        await LinkEastAsync(ns);

        var union = await EventuallyAsync(() => EndpointsAsync(ns, "reviews-federated"), e => e.Length == 2, "reviews-federated has both members");
        Assert.Equal([("10.1.2.1", $"spiffe://west.mesh/ns/{ns}/sa/reviews"), ("10.2.2.1", $"spiffe://east.mesh/ns/{ns}/sa/reviews")],
            union.OrderBy(e => e.Address).Select(e => (e.Address, e.Identity)));

        // West's member leaves: only its endpoints go; the local member stays in the federated service.
        await TwoClusters.ApplyAsync(clusters.West, Service(ns, "reviews", "tier: backend", "app: reviews"));
        var left = await EventuallyAsync(() => EndpointsAsync(ns, "reviews-federated"), e => e.Length == 1, "west's member leaves");
        Assert.Equal("10.2.2.1", left[0].Address);
        // East's own member is untouched.
        Assert.Equal(Abstractions.Grains.ResourceSources.Apply, (await ResourceAsync(ns, "Service", "reviews"))!.Source);
    }

    [Fact]
    public async Task ChangedLink_FreshSnapshotIsOneDiff_DeletesWhatTheLinkNoLongerMirrors()
    {
        const string ns = "link-snapshot";
        await TwoClusters.ApplyAsync(clusters.West, Service(ns, "keep", "mirror.mesh.io/exported: \"true\", tier: keep", "app: keep")
            + Service(ns, "drop", "mirror.mesh.io/exported: \"true\"", "app: drop"));
        await LinkEastAsync(ns);
        await EventuallyAsync(() => OwnedAsync(ns), o => o.Length == 4, "keep-west and drop-west mirrored");
        var kept = await ResourceAsync(ns, "Service", "keep-west");

        // The Link now takes only tier=keep: the restarted watch's snapshot deletes drop-west and leaves keep-west as it was.
        try
        {
            await TwoClusters.ApplyAsync(clusters.East, Link(clusters.FederationAddress) + """
                  selector: {matchLabels: {mirror.mesh.io/exported: "true", tier: keep}}
                """);
            var owned = await EventuallyAsync(() => OwnedAsync(ns), o => o.Length == 2, "drop-west deleted");
            Assert.Equal(["keep-west", "keep-west"], owned.Select(r => r.Name));
            Assert.Equal(kept!.Json, (await ResourceAsync(ns, "Service", "keep-west"))!.Json);
        }
        finally
        {
            await TwoClusters.ApplyAsync(clusters.East, Link(clusters.FederationAddress));
        }
    }

    [Fact]
    public async Task LocalServiceNamedLikeAMirror_IsNeverOverwritten_NameConflict()
    {
        const string ns = "link-conflict";
        await TwoClusters.ApplyAsync(clusters.East, Service(ns, "orders-west", "owner: east", "app: orders"));
        var local = await ResourceAsync(ns, "Service", "orders-west");
        await TwoClusters.ApplyAsync(clusters.West, Service(ns, "orders", "mirror.mesh.io/exported: \"true\"", "app: orders")
            + Service(ns, "carts", "mirror.mesh.io/exported: \"true\"", "app: carts"));
        await LinkEastAsync(ns);

        // carts is mirrored beside it, so the link has processed the namespace.
        await EventuallyAsync(() => ResourceAsync(ns, "Service", "carts-west"), r => r is not null, "carts-west is mirrored");
        var status = await EventuallyAsync(() => LinkStatusAsync("west"),
            s => s["services"]!.AsArray().Any(c => (string?)c!["name"] == "orders-west" && (string?)c["reason"] == "NameConflict"), "NameConflict for orders-west");
        var condition = status["services"]!.AsArray().Single(c => (string?)c!["name"] == "orders-west")!;
        Assert.Contains("source apply", (string?)condition["message"]);
        var after = await ResourceAsync(ns, "Service", "orders-west");
        Assert.Equal((local!.Source, local.Json), (after!.Source, after.Json));
        Assert.Null(await ResourceAsync(ns, "EndpointSlice", "orders-west"));
    }

    [Fact]
    public async Task Unlink_DeletesTheLinkAndExactlyItsResources()
    {
        const string ns = "link-unlink";
        await TwoClusters.ApplyAsync(clusters.West, Service(ns, "pay", "mirror.mesh.io/exported: \"true\"", "app: pay")
            + Service(ns, "ledger", "mirror.mesh.io/exported: remote-discovery", "app: ledger") + Workload(ns, "ledger-1", "ledger", "10.1.3.1", "ledger"));
        // A local EndpointSlice and Service of east's own, beside the mirrors.
        await TwoClusters.ApplyAsync(clusters.East, Service(ns, "pay", "owner: east", "app: pay"));
        await LinkEastAsync(ns);
        await EventuallyAsync(() => OwnedAsync(ns), o => o.Length == 4, "pay-west and ledger-west with a slice each");
        var own = (await EastGrains.GetGrain<ICatalogGrain>(ns).ListAsync(null)).Where(r => r.Source != Source).ToList();

        using var admin = Admin(clusters.East);
        var response = await admin.PostAsync("/api/v1/multicluster/links/west/unlink", null);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(response.IsSuccessStatusCode, body.ToJsonString());
        Assert.True((bool)body["linkDeleted"]!);
        Assert.Contains($"service {ns}/pay-west", body["deleted"]!.AsArray().Select(d => (string?)d));

        Assert.Null(await EastGrains.GetGrain<ICatalogGrain>(KubernetesObjects.Namespace).GetAsync("Link", "west"));
        foreach (var n in await EastGrains.GetGrain<INamespaceDirectoryGrain>("mesh").ListAsync())
            Assert.DoesNotContain(await EastGrains.GetGrain<ICatalogGrain>(n).ListAsync(null), r => r.Source == Source);
        var left = (await EastGrains.GetGrain<ICatalogGrain>(ns).ListAsync(null)).ToList();
        Assert.Equal(own.Select(r => (r.Kind, r.Name, r.Json)), left.Select(r => (r.Kind, r.Name, r.Json)));
    }

    [Fact]
    public async Task LinkWithBadFields_IsRejectedWithTheFieldPath_NothingWritten()
    {
        using var admin = Admin(clusters.East);
        var response = await admin.PostAsync("/api/v1/apply", new StringContent(
            Link("not-an-address", name: "badlink", identity: "west-silo"), Encoding.UTF8, "application/yaml"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("spec.federationAddress", body);
        Assert.Contains("spec.federationIdentity", body);
        Assert.Null(await EastGrains.GetGrain<ICatalogGrain>(KubernetesObjects.Namespace).GetAsync("Link", "badlink"));
    }

    [Fact]
    public async Task FederationAddressThatIsNoSilo_ConditionSaysWhy_NothingWritten()
    {
        // East's own admin listener: plain HTTP, no mesh TLS.
        var notASilo = $"127.0.0.1:{clusters.East.AdminUri.Port}";
        await TwoClusters.ApplyAsync(clusters.East, Link(notASilo, name: "nowhere", identity: "spiffe://nowhere.mesh/ns/mesh/sa/silo"));
        try
        {
            var status = await EventuallyAsync(() => LinkStatusAsync("nowhere"),
                s => (string?)s["conditions"]![0]!["reason"] == "Unreachable", "FederationConnected=False (Unreachable)");
            Assert.Equal("False", (string?)status["conditions"]![0]!["status"]);
            Assert.Contains(notASilo, (string?)status["conditions"]![0]!["message"]);
            foreach (var n in await EastGrains.GetGrain<INamespaceDirectoryGrain>("mesh").ListAsync())
                Assert.DoesNotContain(await EastGrains.GetGrain<ICatalogGrain>(n).ListAsync(null), r => r.Source == "link/nowhere");
        }
        finally
        {
            using var admin = Admin(clusters.East);
            (await admin.PostAsync("/api/v1/multicluster/links/nowhere/unlink", null)).EnsureSuccessStatusCode();
        }
    }

    private async Task<ImmutableArray<WorkloadEndpoint>> EndpointsAsync(string ns, string service) =>
        (await EastGrains.GetGrain<IEndpointSetGrain>(MeshNames.Key(ns, service)).GetAsync()).Value.Endpoints;

    private async Task<StoredResource?> ResourceAsync(string ns, string kind, string name) =>
        await EastGrains.GetGrain<ICatalogGrain>(ns).GetAsync(kind, name);

    private async Task<ImmutableArray<StoredResource>> OwnedAsync(string ns) =>
        [.. (await EastGrains.GetGrain<ICatalogGrain>(ns).ListAsync(null)).Where(r => r.Source == Source)];

    /// <summary>The Link's status as `mesh get link NAME -n mesh -o yaml` shows it (the admin API's resource read).</summary>
    private async Task<JsonNode> LinkStatusAsync(string name)
    {
        using var admin = Admin(clusters.East);
        var doc = JsonNode.Parse(await admin.GetStringAsync($"/api/v1/resources/links/mesh/{name}"))!;
        return doc["status"]!;
    }

    internal static HttpClient Admin(SiloHost silo)
    {
        var admin = new HttpClient { BaseAddress = silo.AdminUri, Timeout = TimeSpan.FromSeconds(30) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            File.ReadAllText(Path.Combine(silo.Settings.DataDir, "admin-token")).Trim());
        return admin;
    }

    /// <summary>Reads until <paramref name="done"/> holds; fails with the last value read after <see cref="Deadline"/>
    /// (a bound on a hang, not a performance assertion).</summary>
    internal static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what)
    {
        var until = DateTime.UtcNow + Deadline;
        while (true)
        {
            var value = await read();
            if (done(value)) return value;
            if (DateTime.UtcNow > until)
                Assert.Fail($"never: {what}; last: {(value is JsonNode node ? node.ToJsonString() : value is System.Collections.IEnumerable e ? string.Join(", ", e.Cast<object>()) : value?.ToString())}");
            await Task.Delay(100);
        }
    }
}
