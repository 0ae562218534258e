using Mesh.Abstractions.Resources;
using Mesh.Admin.Contract;
using Mesh.Cli.Manifests;

namespace Mesh.Cli.Tests.Commands;

/// <summary>The Link link-gen prints: a valid Link, or a clear error when the silo cannot be linked to.</summary>
public sealed class LinkManifestTests
{
    private static LinkInfoResponse Info(string? federation = "10.0.2.10:8087", string? gateway = null) =>
        new("west", "west.mesh", "cluster.local", federation, "spiffe://west.mesh/ns/mesh/sa/silo", gateway, gateway is null ? null : 4143,
            gateway is null ? null : "spiffe://west.mesh/ns/mesh/sa/gateway", ["ab12"]);

    [Fact]
    public void Build_NoGateway_IsAFlatModeLinkThatParses()
    {
        var parsed = ResourceParser.Parse(LinkManifest.Build(Info(), null));
        Assert.True(parsed.Ok, string.Join("\n", parsed.Errors));
        Assert.DoesNotContain("gatewayAddress", Assert.Single(parsed.Resources).CanonicalJson);
    }

    [Fact]
    public void Build_FederationAddressGiven_ReplacesTheAdvertisedOne()
    {
        var parsed = ResourceParser.Parse(LinkManifest.Build(Info(), null, "federation.west.example.com:8087"));
        Assert.True(parsed.Ok, string.Join("\n", parsed.Errors));
        Assert.Contains("\"federationAddress\":\"federation.west.example.com:8087\"", Assert.Single(parsed.Resources).CanonicalJson);
    }

    [Fact]
    public void Build_SiloWithoutFederation_SaysHowToTurnItOn()
    {
        var e = Assert.Throws<CliException>(() => LinkManifest.Build(Info(federation: null), null));
        Assert.Contains("MESH_FEDERATION_ADDR", e.Hint);
    }

    [Fact]
    public void Build_NoClusterNameAnywhere_AsksForOne()
    {
        var e = Assert.Throws<CliException>(() => LinkManifest.Build(Info() with { ClusterName = null }, null));
        Assert.Contains("--cluster-name", e.Hint);
    }
}
