using System.Text.Json.Nodes;
using Mesh.Abstractions.Resources;
using Mesh.Abstractions.Resources.Kinds;
using Mesh.Api.V1;
using Mesh.Grains.Federation;
using Mesh.Silo.Federation;

namespace Mesh.ControlPlane.Tests.Federation;

/// <summary>What a gateway-mode mirror becomes while its gateway is dead (the resources the writer switches to), and
/// which gateway a link probes.</summary>
public sealed class MirrorGatewayDownTests
{
    private static readonly ExportingCluster West = new()
    {
        Name = "west", TrustDomain = "west.mesh", ClusterDomain = "cluster.local",
        Gateway = new ExportingGateway { Address = "10.0.0.9", Port = 4143, Identity = "spiffe://west.mesh/ns/mesh/sa/gateway" },
    };

    private static MirrorTranslator Translator(string extra = "") => new(ResourceJson.Deserialize<LinkResource>(Assert.Single(ResourceParser.Parse($"""
        apiVersion: multicluster.mesh.io/v1alpha1
        kind: Link
        metadata: {"{"}name: west, namespace: mesh{"}"}
        spec:
          targetClusterName: west
          federationAddress: "127.0.0.1:8087"
          federationIdentity: "spiffe://west.mesh/ns/mesh/sa/silo"
        {extra}
        """).Resources).CanonicalJson));

    private static ExportedService Books(ExportMode mode, uint ready = 1)
    {
        var service = new ExportedService
        {
            Namespace = "shop", Name = "books", Mode = mode, ReadyEndpoints = ready,
            Ports = { new ExportedPort { Name = "http", Port = 8080, TargetPort = "http" } },
            Labels = { ["mirror.mesh.io/exported"] = mode == ExportMode.Gateway ? "true" : "remote-discovery" },
        };
        if (mode == ExportMode.RemoteDiscovery)
            service.Endpoints.Add(new ExportedEndpoint { Address = "10.1.0.1", Identity = "spiffe://west.mesh/ns/shop/sa/books", ProxyPort = 4143, Ready = true, Ports = { ["http"] = 9090 } });
        return service;
    }

    private static JsonNode Slice(MirrorEntry entry, bool down) =>
        JsonNode.Parse((down ? entry.GatewayDown : entry.Resources).Single(r => r.Kind == "EndpointSlice").Json)!;

    [Fact]
    public void Translate_GatewayMode_GatewayDownIsTheSameMirrorWithTheEndpointNotReady()
    {
        var entry = Assert.Single(Translator().Translate(Books(ExportMode.Gateway), West).Entries);
        Assert.Null(entry.Error);
        Assert.Equal(entry.Resources.Select(r => (r.Kind, r.Name)), entry.GatewayDown.Select(r => (r.Kind, r.Name)));
        Assert.Equal(entry.Resources.Single(r => r.Kind == "Service").Json, entry.GatewayDown.Single(r => r.Kind == "Service").Json);
        var up = Slice(entry, down: false)["endpoints"]!.AsArray().Single()!;
        var down = Slice(entry, down: true)["endpoints"]!.AsArray().Single()!;
        Assert.Equal("10.0.0.9", (string?)down["addresses"]![0]);
        Assert.NotEqual(false, (bool?)up["conditions"]?["ready"]);
        Assert.False((bool?)down["conditions"]!["ready"]);
    }

    [Fact]
    public void Translate_GatewayModeWithNoRemoteEndpoint_HasNoGatewayDownVariant()
    {
        var entry = Assert.Single(Translator().Translate(Books(ExportMode.Gateway, ready: 0), West).Entries);
        Assert.True(entry.GatewayDown.IsDefaultOrEmpty);
    }

    [Fact]
    public void Translate_FlatMode_DoesNotDependOnTheGateway()
    {
        var entry = Assert.Single(Translator().Translate(Books(ExportMode.RemoteDiscovery), West).Entries);
        Assert.Null(entry.Error);
        Assert.True(entry.GatewayDown.IsDefaultOrEmpty);
    }

    [Fact]
    public void GatewayOf_LinkNamesAGateway_WinsOverTheAdvertisedOne()
    {
        var translator = Translator("""
              gatewayAddress: 192.0.2.1
              gatewayPort: 14143
              gatewayIdentity: "spiffe://west.mesh/ns/mesh/sa/edge"
            """);
        Assert.Equal(new GatewayTarget("192.0.2.1", 14143, "spiffe://west.mesh/ns/mesh/sa/edge"), translator.GatewayOf(West));
        Assert.Equal(new GatewayTarget("10.0.0.9", 4143, "spiffe://west.mesh/ns/mesh/sa/gateway"), Translator().GatewayOf(West));
        Assert.Null(Translator().GatewayOf(new ExportingCluster { Name = "west" }));
    }
}
