using System.Collections;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Mesh.Identity.Ca;
using Mesh.Silo.Hosting;
using static Mesh.ControlPlane.Tests.Federation.LinkMirrorTests;

namespace Mesh.ControlPlane.Tests.Federation;

/// <summary>What `mesh multicluster check` and the dashboard's clusters view read from east's admin API
/// (`GET /api/v1/multicluster/links`) once east's link grain has west's snapshot: the remote trust anchors to compare,
/// both conditions, and one condition per mirror.</summary>
public sealed class LinkStatusApiTests(TwoClusters clusters) : IClassFixture<TwoClusters>
{
    private const string Ns = "link-status";

    [Fact]
    public async Task Links_AfterTheSnapshot_CarryWestsAnchors_TheSharedOneEastHasToo()
    {
        await LinkAsync();
        using var admin = LinkMirrorTests.Admin(clusters.East);
        var west = await EventuallyAsync(() => WestRowAsync(admin), r => r?["remoteTrustAnchorSha256"]?.AsArray().Count > 0, "west's anchors arrive");
        var anchor = TrustBundle.Load(Path.Combine(clusters.West.Settings.DataDir, "trust-anchors.pem")).Anchors.Single();
        Assert.Equal([Convert.ToHexStringLower(SHA256.HashData(anchor.RawData))], west!["remoteTrustAnchorSha256"]!.AsArray().Select(a => (string?)a));
        // What check compares them with: east's own anchors, the same single shared one.
        var local = JsonNode.Parse(await admin.GetStringAsync("/api/v1/multicluster/link"))!["trustAnchorSha256"]!.AsArray();
        Assert.Equal(west["remoteTrustAnchorSha256"]!.AsArray().Select(a => (string?)a), local.Select(a => (string?)a));
    }

    [Fact]
    public async Task Dashboard_ClustersView_ReadsTheLinksApi_WhichHasEveryFieldItShows()
    {
        await LinkAsync();
        using var admin = LinkMirrorTests.Admin(clusters.East);
        var west = await EventuallyAsync(() => WestRowAsync(admin),
            r => r?["services"]?.AsArray().Count == 2 && (string?)r["federationConnected"]?["status"] == "True", "both of west's exports have a condition");
        Assert.Equal("GatewayAlive", (string?)west!["gatewayAlive"]!["type"]);
        Assert.True(west.AsObject().ContainsKey("gatewayLatencyMs"));
        Assert.Equal([("books-west", "Mirrored"), ("orders-west", "NameConflict")],
            west["services"]!.AsArray().Select(s => ((string)s!["name"]!, (string)s["reason"]!)).Order());

        var features = JsonNode.Parse(await admin.GetStringAsync("/dashboard/features.json"))!;
        Assert.True((bool)features["clusters"]!);
        var script = await admin.GetStringAsync("/dashboard/app.js");
        foreach (var used in new[] { "'/api/v1/multicluster/links'", "federationConnected", "gatewayAlive", "gatewayLatencyMs", "remoteService", "orphans" })
            Assert.Contains(used, script);
        Assert.Contains("href=\"#/clusters\"", await admin.GetStringAsync("/"));
    }

    /// <summary>A silo under an anchor of its own: east's link to it never gets a snapshot (no anchors to compare),
    /// and its condition says why in the words `mesh multicluster check` turns into "trust anchors differ".</summary>
    [Fact]
    public async Task LinkToAClusterUnderAnotherAnchor_ConditionSaysTheChainReachesNoAnchor_NoAnchorsReported()
    {
        var dir = Directory.CreateTempSubdirectory("mesh-federation-stranger-").FullName;
        var stranger = await SiloHost.StartAsync(SiloSettingsLoader.Load(
            ["--admin", "127.0.0.1:0", "--control", "127.0.0.1:0", "--data-dir", dir, "--cluster-name", "north", "--trust-domain", "north.mesh",
                "--federation", "127.0.0.1:0"], new Hashtable { ["MESH_LOG_LEVEL"] = "Error" }));
        using var admin = LinkMirrorTests.Admin(clusters.East);
        try
        {
            await TwoClusters.ApplyAsync(clusters.East, LinkMirrorTests.Link($"127.0.0.1:{stranger.Settings.Federation!.Port}", name: "north",
                identity: "spiffe://north.mesh/ns/mesh/sa/silo"));
            var north = await EventuallyAsync(() => RowAsync(admin, "north"),
                r => (string?)r?["federationConnected"]?["reason"] == "Unreachable", "FederationConnected=False (Unreachable)");
            Assert.Contains("does not chain to a mesh trust anchor", (string?)north!["federationConnected"]!["message"]);
            Assert.Empty(north["remoteTrustAnchorSha256"]!.AsArray());
        }
        finally
        {
            (await admin.PostAsync("/api/v1/multicluster/links/north/unlink", null)).EnsureSuccessStatusCode();
            await stranger.DisposeAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>West exports books and orders; east has a local orders-west (a name conflict) and the Link.</summary>
    private async Task LinkAsync()
    {
        await TwoClusters.ApplyAsync(clusters.West, Service(Ns, "books", "mirror.mesh.io/exported: \"true\"", "app: books")
            + Service(Ns, "orders", "mirror.mesh.io/exported: \"true\"", "app: orders"));
        await TwoClusters.ApplyAsync(clusters.East, Service(Ns, "orders-west", "owner: east", "app: orders"));
        await TwoClusters.ApplyAsync(clusters.East, LinkMirrorTests.Link(clusters.FederationAddress));
    }

    private static Task<JsonNode?> WestRowAsync(HttpClient admin) => RowAsync(admin, "west");

    private static async Task<JsonNode?> RowAsync(HttpClient admin, string cluster) =>
        JsonNode.Parse(await admin.GetStringAsync("/api/v1/multicluster/links"))!["links"]!.AsArray().SingleOrDefault(l => (string?)l!["cluster"] == cluster);
}
