using Mesh.Proxy.Telemetry;

namespace Mesh.Proxy.Tests.Telemetry;

public sealed class LinkerdLabelsTests
{
    [Theory]
    [InlineData("books.default.svc.cluster.local:8080", "default", "books", "8080")]
    [InlineData("books.shop:80", "shop", "books", "80")]
    [InlineData("10.0.0.5:8080", "", "", "8080")]
    [InlineData("[::1]:8080", "", "", "8080")]
    [InlineData("", "", "", "")]
    public void DstLabels_FromAuthority_ServiceNamespaceAndPort(string authority, string ns, string service, string port)
    {
        var dst = DstLabels.From(authority);
        Assert.Equal((ns, service, port), (dst.Namespace, dst.Service, dst.Port));
    }

    [Fact]
    public void PeerLabels_SpiffeId_DnsFormAndServiceAccount_SameInstanceEachTime()
    {
        var peer = PeerLabels.Of("spiffe://cluster.local/ns/shop/sa/web");
        Assert.Equal(("web.shop.serviceaccount.identity.mesh.cluster.local", "web"), (peer.Id, peer.ServiceAccount));
        Assert.Same(peer, PeerLabels.Of("spiffe://cluster.local/ns/shop/sa/web"));
    }
}
