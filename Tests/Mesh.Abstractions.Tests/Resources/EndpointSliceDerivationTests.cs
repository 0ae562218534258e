using System.Text;
using CsCheck;
using Mesh.Abstractions.Resources;

namespace Mesh.Abstractions.Tests.Resources;

/// <summary>A Service's endpoints from its EndpointSlices: slices win over the selector, readiness is the slice's, a
/// targetRef Pod lends its Workload's identity, and however Kubernetes spreads (and duplicates) endpoints over slices
/// the view is the same.</summary>
public sealed class EndpointSliceDerivationTests
{
    private const string Service = """
        apiVersion: v1
        kind: Service
        metadata: {name: books, namespace: shop}
        spec:
          selector: {app: books}
          ports: [{name: http, port: 80, targetPort: http}]
        ---

        """;

    /// <summary>Pods p0..p3 as Workloads: even ones meshed (identity sa-&lt;i&gt;), all labelled app=books.</summary>
    private static string Workloads(int count = 4)
    {
        var b = new StringBuilder();
        for (var i = 0; i < count; i++)
            b.Append($$$"""
                apiVersion: mesh.io/v1alpha1
                kind: Workload
                metadata: {name: p{{{i}}}, namespace: shop, labels: {app: books}}
                spec:
                  serviceAccount: sa-{{{i}}}
                  addresses: [10.9.0.{{{i + 1}}}]
                  ports: [{name: http, port: 8080}]
                  {{{(i % 2 == 0 ? "proxy: {}" : "")}}}
                ---

                """);
        return b.ToString();
    }

    /// <summary>One slice; each endpoint (address index, ready or null, pod index or null).</summary>
    private static string Slice(string name, IEnumerable<(int Address, bool? Ready, int? Pod)> endpoints)
    {
        var b = new StringBuilder($$$"""
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: {{{name}}}, namespace: shop, labels: {kubernetes.io/service-name: books}}
            addressType: IPv4
            ports: [{name: http, port: 8080}]
            endpoints:

            """);
        foreach (var (address, ready, pod) in endpoints)
        {
            b.Append($"  - addresses: [10.2.0.{address}]\n");
            if (ready is { } r) b.Append($"    conditions: {{ready: {(r ? "true" : "false")}}}\n");
            if (pod is { } p) b.Append($"    targetRef: {{kind: Pod, name: p{p}}}\n");
        }
        return b.Append("---\n").ToString();
    }

    private static DerivedNamespace Derive(string yaml) => MeshReconciler.Derive("shop", MeshReconcilerGoldenTests.Store(yaml), ReconcileSettings.Default);

    [Fact]
    public void Derive_ServiceWithASlice_SliceEndpointsOnlyNotTheSelectorsWorkloads()
    {
        var d = Derive(Service + Workloads() + Slice("books-1", [(1, null, 0)]));
        var e = Assert.Single(d.EndpointSets["books"].Endpoints);
        Assert.Equal(("10.2.0.1", "p0", "spiffe://cluster.local/ns/shop/sa/sa-0", 4143, true),
            (e.Address, e.Workload, e.Identity, e.ProxyInboundPort, e.Ready));
        Assert.Equal(8080, e.Ports["http"]);
    }

    [Fact]
    public void Derive_ServiceWithoutSlices_EndpointsFromTheSelectorsWorkloads() =>
        Assert.Equal(["p0", "p1", "p2", "p3"], Derive(Service + Workloads()).EndpointSets["books"].Endpoints.Select(e => e.Workload));

    [Fact]
    public void Derive_TargetRefToAnUnmeshedOrUnknownPod_NoIdentity()
    {
        var d = Derive(Service + Workloads() + Slice("books-1", [(1, null, 1), (2, false, 7), (3, true, null)]));
        var endpoints = d.EndpointSets["books"].Endpoints;
        Assert.All(endpoints, e => Assert.Null(e.Identity));
        Assert.Equal([("", "10.2.0.3", true), ("p1", "10.2.0.1", true), ("p7", "10.2.0.2", false)],
            endpoints.Select(e => (e.Workload, e.Address, e.Ready)));
    }

    [Fact]
    public void Derive_EndpointsSpreadAndDuplicatedOverSlices_SameViewAsOneSliceWithEachOnce()
    {
        var endpoint = Gen.Select(Gen.Int[1, 12], Gen.Bool.Nullable(), Gen.Int[0, 4]);
        Gen.Select(endpoint.Array[1, 20], Gen.Int[0, 3].Array[20]).Sample((endpoints, slices) =>
        {
            // Pod index 4 is unknown (no Workload): the endpoint stays unmeshed. One address keeps one pod, as in a cluster.
            var byAddress = endpoints.GroupBy(e => e.Item1).ToDictionary(g => g.Key, g => g.First().Item3);
            var spread = new StringBuilder();
            for (var s = 0; s < 4; s++)
                if (endpoints.Where((_, i) => slices[i] == s).ToList() is { Count: > 0 } mine)
                    spread.Append(Slice($"books-{s}", mine.Select(e => (e.Item1, e.Item2, (int?)byAddress[e.Item1]))));
            var once = Slice("books-all", byAddress.Select(a => (a.Key,
                (bool?)endpoints.Where(e => e.Item1 == a.Key).Any(e => e.Item2 ?? true), (int?)a.Value)));

            var expected = Derive(Service + Workloads() + once).EndpointSets["books"];
            var actual = Derive(Service + Workloads() + spread).EndpointSets["books"];
            Assert.Equal(ViewJson.Serialize(expected), ViewJson.Serialize(actual));
            Assert.Equal(byAddress.Count, actual.Endpoints.Length);
        });
    }

    [Fact]
    public void Derive_SliceOfAnotherServiceOrNamespace_Ignored()
    {
        var other = Slice("x", [(1, true, 0)]).Replace("service-name: books", "service-name: authors");
        var elsewhere = Slice("y", [(2, true, 0)]).Replace("namespace: shop", "namespace: prod");
        Assert.Equal(4, Derive(Service + Workloads() + other + elsewhere).EndpointSets["books"].Endpoints.Length);
    }
}
