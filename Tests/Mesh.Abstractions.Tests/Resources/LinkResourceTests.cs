using Mesh.Abstractions.Resources;
using Mesh.Abstractions.Resources.Kinds;

namespace Mesh.Abstractions.Tests.Resources;

/// <summary>A Link read back as its typed record carries the defaults (probe 3 s / 2 s / 3 failures, the
/// export selectors); a rendered Link parses back to the same canonical document.</summary>
public sealed class LinkResourceTests
{
    private const string Minimal = """
        apiVersion: multicluster.mesh.io/v1alpha1
        kind: Link
        metadata: {name: west, namespace: mesh}
        spec:
          targetClusterName: west
          federationAddress: 10.0.2.10:8087
          federationIdentity: spiffe://west.mesh/ns/mesh/sa/silo
        """;

    [Fact]
    public void Parse_MinimalLink_HasProbeAndSelectorDefaults()
    {
        var parsed = Assert.Single(ResourceParser.Parse(Minimal).Resources);
        var link = ResourceJson.Deserialize<LinkResource>(parsed.CanonicalJson);

        Assert.Equal(("/ready", "3s", "2s", 3), (link.Spec.ProbeSpec.Path, link.Spec.ProbeSpec.Period, link.Spec.ProbeSpec.Timeout, link.Spec.ProbeSpec.FailureThreshold));
        Assert.Equal("cluster.local", link.Spec.TargetClusterDomain);
        Assert.Equal("true", link.Spec.Selector.MatchLabels["mirror.mesh.io/exported"]);
        Assert.Equal("remote-discovery", link.Spec.RemoteDiscoverySelector.MatchLabels["mirror.mesh.io/exported"]);
        Assert.Equal("member", link.Spec.FederatedServiceSelector.MatchLabels["mirror.mesh.io/federated"]);
        Assert.Null(link.Spec.GatewayAddress);
        Assert.Equal(4143, link.Spec.GatewayPort);
    }

    [Fact]
    public void Render_ParsedLink_ParsesBackToTheSameDocument()
    {
        var parsed = Assert.Single(ResourceParser.Parse(Minimal).Resources);
        var again = Assert.Single(ResourceParser.Parse(ResourceYaml.Render(parsed.CanonicalJson)).Resources);
        Assert.Equal(parsed.CanonicalJson, again.CanonicalJson);
    }
}
