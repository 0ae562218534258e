using System.Text.Json.Nodes;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;

namespace Mesh.ControlPlane.Tests.Federation;

/// <summary>West's silo goes away under an established link: east's mirrors keep their last state and the Link says
/// FederationConnected=False. Its own pair of silos, since it stops one.</summary>
public sealed class LinkOutageTests : IAsyncLifetime
{
    private readonly TwoClusters _clusters = new();

    public Task InitializeAsync() => _clusters.InitializeAsync();

    public Task DisposeAsync() => _clusters.DisposeAsync();

    [Fact]
    public async Task WestSiloStopped_MirrorsKept_FederationConnectedFalse()
    {
        const string ns = "link-outage";
        await TwoClusters.ApplyAsync(_clusters.West, LinkMirrorTests.Service(ns, "books", "mirror.mesh.io/exported: remote-discovery", "app: books")
            + LinkMirrorTests.Workload(ns, "books-1", "books", "10.1.4.1", "books"));
        await TwoClusters.ApplyAsync(_clusters.East, LinkMirrorTests.Service(ns, "web", "tier: front", "app: web"));
        await TwoClusters.ApplyAsync(_clusters.East, LinkMirrorTests.Link(_clusters.FederationAddress));
        var grains = _clusters.East.Services.GetRequiredService<IGrainFactory>();
        var endpoints = grains.GetGrain<IEndpointSetGrain>(MeshNames.Key(ns, "books-west"));
        await LinkMirrorTests.EventuallyAsync(async () => (await endpoints.GetAsync()).Value.Endpoints, e => e.Length == 1, "books-west mirrored");
        var before = await grains.GetGrain<ICatalogGrain>(ns).ListAsync(null);

        await _clusters.StopWestAsync();

        using var admin = LinkMirrorTests.Admin(_clusters.East);
        var status = await LinkMirrorTests.EventuallyAsync(
            async () => JsonNode.Parse(await admin.GetStringAsync("/api/v1/resources/links/mesh/west"))!["status"]!,
            s => (string?)s["conditions"]![0]!["status"] == "False", "FederationConnected=False");
        Assert.Equal("FederationConnected", (string?)status["conditions"]![0]!["type"]);
        Assert.Contains("mirrors keep their last state", (string?)status["conditions"]![0]!["message"]);

        var after = await grains.GetGrain<ICatalogGrain>(ns).ListAsync(null);
        Assert.Equal(before.Select(r => (r.Kind, r.Name, r.Json, r.Source)), after.Select(r => (r.Kind, r.Name, r.Json, r.Source)));
        var kept = Assert.Single((await endpoints.GetAsync()).Value.Endpoints);
        Assert.Equal(("10.1.4.1", "spiffe://west.mesh/ns/link-outage/sa/books"), (kept.Address, kept.Identity));
    }
}
