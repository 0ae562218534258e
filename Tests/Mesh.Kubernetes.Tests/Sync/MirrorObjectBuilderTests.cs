using System.Text.Json.Nodes;
using Mesh.Silo.Kubernetes.Sync;

namespace Mesh.Kubernetes.Tests.Sync;

/// <summary>The cluster IPs the publisher reads from a mirror Service (the API server's, or the catalog's document) to
/// feed back as the mirror's address: only IP addresses, in order; nothing else the object may carry.</summary>
public sealed class MirrorObjectBuilderTests
{
    [Theory]
    [InlineData("""{"clusterIP":"10.96.0.7","clusterIPs":["10.96.0.7","fd00::7"]}""", "10.96.0.7,fd00::7")]
    [InlineData("""{"clusterIP":"10.96.0.7"}""", "10.96.0.7")]
    [InlineData("""{"clusterIP":"None","clusterIPs":["None"]}""", "")]
    [InlineData("""{"clusterIP":""}""", "")]
    [InlineData("""{"clusterIP":"books.shop"}""", "")]
    [InlineData("""{"clusterIP":7}""", "")]
    [InlineData("""{"clusterIPs":[null,{"ip":"10.96.0.7"},"10.96.0.8"]}""", "10.96.0.8")]
    [InlineData("""{"ports":[{"port":8080}]}""", "")]
    public void ClusterIPs_OnlyIpAddressesInOrder(string spec, string expected)
    {
        var service = JsonNode.Parse($$"""{"metadata":{"name":"books-west"},"spec":{{spec}}}""")!.AsObject();

        Assert.Equal(expected, string.Join(',', MirrorObjectBuilder.ClusterIPs(service)));
    }

    [Fact]
    public void ClusterIPs_NoSpec_None() =>
        Assert.Empty(MirrorObjectBuilder.ClusterIPs(JsonNode.Parse("""{"metadata":{"name":"books-west"}}""")!.AsObject()));
}
