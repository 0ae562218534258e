using Mesh.Abstractions.Resources;
using Mesh.Abstractions.Resources.Kinds;
using Mesh.Api.V1;
using Mesh.Silo.Federation;

namespace Mesh.ControlPlane.Tests.Federation;

/// <summary>What a peer's exports become locally: a value this cluster's parser refuses is a per-service error (nothing
/// of it written), and the link's selectors narrow what the peer exports.</summary>
public sealed class MirrorTranslatorTests
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

    private static ExportedService Books(ExportMode mode, string name = "books") => new()
    {
        Namespace = "shop", Name = name, Mode = mode, ReadyEndpoints = 1,
        Ports = { new ExportedPort { Name = "http", Port = 8080, TargetPort = "http" } },
        Labels = { ["mirror.mesh.io/exported"] = mode == ExportMode.Gateway ? "true" : "remote-discovery" },
    };

    [Fact]
    public void Translate_NameTooLongForAMirror_IsAnErrorWithNoResources()
    {
        var set = Translator().Translate(Books(ExportMode.Gateway, new string('b', 60)), West);
        var entry = Assert.Single(set.Entries);
        Assert.Empty(entry.Resources);
        Assert.Contains("metadata.name", entry.Error);
    }

    [Fact]
    public void Translate_PeerLabelThisClusterRefuses_IsAnErrorNamingTheField()
    {
        var service = Books(ExportMode.RemoteDiscovery);
        service.Labels["bad key!"] = "x";
        var entry = Assert.Single(Translator().Translate(service, West).Entries);
        Assert.Empty(entry.Resources);
        Assert.Contains("metadata.labels", entry.Error);
    }

    [Fact]
    public void Translate_GatewayModeWithoutAnyGateway_IsAnError()
    {
        var entry = Assert.Single(Translator().Translate(Books(ExportMode.Gateway), new ExportingCluster { Name = "west" }).Entries);
        Assert.Contains("gateway", entry.Error);
    }

    [Theory]
    [InlineData("spiffe://east.mesh/ns/shop/sa/books")]
    [InlineData("books")]
    public void Translate_EndpointIdentityNotOfTheRemoteTrustDomain_IsAnError(string identity)
    {
        var service = Books(ExportMode.RemoteDiscovery);
        service.Endpoints.Add(new ExportedEndpoint { Address = "10.1.0.1", Identity = identity, ProxyPort = 4143, Ready = true, Ports = { ["http"] = 9090 } });
        var entry = Assert.Single(Translator().Translate(service, West).Entries);
        Assert.Empty(entry.Resources);
        Assert.Contains("not one of its own", entry.Error);
    }

    [Fact]
    public void Translate_FlatEndpointsOfTheRemoteTrustDomain_SlicesNameTheirIdentities()
    {
        var service = Books(ExportMode.RemoteDiscovery);
        service.Endpoints.Add(new ExportedEndpoint { Address = "10.1.0.1", Identity = "spiffe://west.mesh/ns/shop/sa/books", ProxyPort = 4143, Ready = true, Ports = { ["http"] = 9090 } });
        service.Endpoints.Add(new ExportedEndpoint { Address = "10.1.0.2", Identity = "spiffe://west.mesh/ns/shop/sa/other", ProxyPort = 4143, Ready = true, Ports = { ["http"] = 9090 } });
        var entry = Assert.Single(Translator().Translate(service, West).Entries);
        Assert.Null(entry.Error);
        var slices = entry.Resources.Where(r => r.Kind == "EndpointSlice").Select(r => System.Text.Json.Nodes.JsonNode.Parse(r.Json)!).ToList();
        Assert.Equal(["spiffe://west.mesh/ns/shop/sa/books", "spiffe://west.mesh/ns/shop/sa/other"],
            slices.Select(s => (string?)s["metadata"]!["annotations"]!["mirror.mesh.io/identity"]).Order());
        Assert.All(entry.Resources, r => Assert.Equal("link/west", r.Source));
    }

    [Fact]
    public void Translate_LinkSelectorLeavesItOut_NoEntries()
    {
        var translator = Translator("""
              selector: {matchLabels: {mirror.mesh.io/exported: "true", tier: keep}}
            """);
        Assert.Empty(translator.Translate(Books(ExportMode.Gateway), West).Entries);
    }
}
