using Mesh.Abstractions.Resources;

namespace Mesh.Abstractions.Tests.Resources;

/// <summary>Multicluster mirrors' slices: their annotations name the remote proxies' identity and port (and, through a
/// gateway, the authority); anything less than a valid identity and port leaves the endpoint unmeshed. A federated
/// service unions its slices with the Workloads its selector matches.</summary>
public sealed class MirrorSliceDerivationTests
{
    private static string Mirror(string annotations) => $$"""
        apiVersion: v1
        kind: Service
        metadata: {name: books-west, namespace: shop}
        spec: {ports: [{name: http, port: 8080, targetPort: 4143}]}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: books-west
          namespace: shop
          labels: {kubernetes.io/service-name: books-west}
          annotations: {{{annotations}}}
        addressType: IPv4
        ports: [{name: http, port: 4143}]
        endpoints: [{addresses: [10.0.0.9], hostname: books-1}]
        """;

    private static DerivedNamespace Derive(string yaml) => MeshReconciler.Derive("shop", MeshReconcilerGoldenTests.Store(yaml), ReconcileSettings.Default);

    [Fact]
    public void Derive_GatewayMirrorSlice_EndpointHasTheRemoteIdentityPortAndAuthority()
    {
        var e = Assert.Single(Derive(Mirror(
            "mirror.mesh.io/identity: \"spiffe://west.mesh/ns/mesh/sa/gateway\", mirror.mesh.io/proxy-port: \"4143\", mirror.mesh.io/authority: books.shop.svc.cluster.local"))
            .EndpointSets["books-west"].Endpoints);
        Assert.Equal(("10.0.0.9", "books-1", "spiffe://west.mesh/ns/mesh/sa/gateway", 4143, "books.shop.svc.cluster.local"),
            (e.Address, e.Workload, e.Identity, e.ProxyInboundPort, e.AuthorityOverride));
    }

    [Theory]
    [InlineData("mirror.mesh.io/identity: west-gateway, mirror.mesh.io/proxy-port: \"4143\"")]
    [InlineData("mirror.mesh.io/identity: \"spiffe://west.mesh/ns/mesh/sa/gateway\", mirror.mesh.io/proxy-port: \"70000\"")]
    [InlineData("mirror.mesh.io/identity: \"spiffe://west.mesh/ns/mesh/sa/gateway\"")]
    public void Derive_MirrorSliceWithoutAValidIdentityAndPort_EndpointIsUnmeshed(string annotations)
    {
        var e = Assert.Single(Derive(Mirror(annotations)).EndpointSets["books-west"].Endpoints);
        Assert.Equal((null, null, ""), (e.Identity, e.ProxyInboundPort, e.Workload));
    }

    [Fact]
    public void Derive_FederatedService_SlicesAndTheSelectorsWorkloads()
    {
        var d = Derive("""
            apiVersion: v1
            kind: Service
            metadata: {name: reviews-federated, namespace: shop, labels: {mirror.mesh.io/federated-service: reviews}}
            spec: {selector: {app: reviews}, ports: [{name: http, port: 8080, targetPort: http}]}
            ---
            apiVersion: mesh.io/v1alpha1
            kind: Workload
            metadata: {name: reviews-1, namespace: shop, labels: {app: reviews}}
            spec: {serviceAccount: reviews, addresses: [10.2.0.1], ports: [{name: http, port: 9090}], proxy: {}}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: reviews-federated-west
              namespace: shop
              labels: {kubernetes.io/service-name: reviews-federated, mirror.mesh.io/cluster-name: west}
              annotations: {mirror.mesh.io/identity: "spiffe://west.mesh/ns/shop/sa/reviews", mirror.mesh.io/proxy-port: "4143"}
            addressType: IPv4
            ports: [{name: http, port: 9090}]
            endpoints: [{addresses: [10.1.0.1]}]
            """);
        // The remote member's endpoints say which cluster they are in (what prefer-local balancing reads); local ones none.
        Assert.Equal([("10.1.0.1", "spiffe://west.mesh/ns/shop/sa/reviews", "west"), ("10.2.0.1", "spiffe://cluster.local/ns/shop/sa/reviews", null)],
            d.EndpointSets["reviews-federated"].Endpoints.OrderBy(e => e.Address).Select(e => (e.Address, e.Identity, e.Cluster)));
    }
}
