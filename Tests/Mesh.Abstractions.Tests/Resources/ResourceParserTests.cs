using Mesh.Abstractions.Resources;
using Mesh.Abstractions.Resources.Kinds;

namespace Mesh.Abstractions.Tests.Resources;

public sealed class ResourceParserTests
{
    private const string Books = """
        apiVersion: v1
        kind: Service
        metadata:
          name: books
        spec:
          selector: {app: books}
          ports: [{name: http, port: 8080, targetPort: 7001}]
        """;

    [Fact]
    public void Parse_ThreeGoodDocumentsAndOneBad_YieldsNoResources()
    {
        var text = $"""
            {Books}
            ---
            apiVersion: mesh.io/v1alpha1
            kind: Workload
            metadata: {"{"}name: books-1, labels: {"{"}app: books{"}"}{"}"}
            spec: {"{"}addresses: [127.0.0.11]{"}"}
            ---
            apiVersion: mesh.io/v1alpha1
            kind: Workload
            metadata: {"{"}name: books-2, labels: {"{"}app: books{"}"}{"}"}
            spec: {"{"}addresses: [127.0.0.12]{"}"}
            ---
            apiVersion: mesh.io/v1alpha1
            kind: Workload
            metadata: {"{"}name: books-3{"}"}
            spec: {"{"}addresses: [127.0.0.13], weight: -1{"}"}
            """;

        var result = ResourceParser.Parse(text);

        Assert.Empty(result.Resources);
        Assert.Equal(["doc 4: spec.weight: must be 1..1000000"], result.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Parse_SameSpecWrittenDifferently_SameCanonicalJson()
    {
        var reordered = """
            kind: Service
            spec:
              ports:
                - targetPort: 7001
                  protocol: TCP
                  port: 8080
                  name: http
              type: ClusterIP
              selector:
                app: books
            metadata:
              namespace: default
              name: books
            apiVersion: v1
            """;
        var json = """{"apiVersion":"v1","kind":"Service","metadata":{"name":"books"},"spec":{"selector":{"app":"books"},"ports":[{"name":"http","port":8080,"targetPort":7001}]}}""";

        var a = Single(ResourceParser.Parse(Books));
        Assert.Equal(a.CanonicalJson, Single(ResourceParser.Parse(reordered)).CanonicalJson);
        Assert.Equal(a.CanonicalJson, Single(ResourceParser.Parse(json)).CanonicalJson);
    }

    [Fact]
    public void Parse_Service_FillsDefaultsInCanonicalJson()
    {
        var r = Single(ResourceParser.Parse("""
            apiVersion: v1
            kind: Service
            metadata: {name: db}
            spec: {ports: [{port: 5432}]}
            """, "shop"));

        Assert.Equal("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"db","namespace":"shop"},"spec":{"ports":[{"port":5432,"targetPort":5432,"protocol":"TCP"}],"type":"ClusterIP"}}""",
            r.CanonicalJson);
        Assert.Equal(("Service", "shop", "db"), (r.Kind, r.Namespace, r.Name));
    }

    [Theory]
    [InlineData("prefer-local")]
    [InlineData("none")]
    public void Parse_ServiceWithLocalityAnnotation_Accepted(string locality)
    {
        var r = Single(ResourceParser.Parse($"""
            apiVersion: v1
            kind: Service
            metadata:
              name: books-federated
              annotations:
                balancer.mesh.io/locality: {locality}
            spec:
              ports: [{"{"}port: 8080{"}"}]
            """, "default"));
        Assert.Contains($"\"balancer.mesh.io/locality\":\"{locality}\"", r.CanonicalJson);
    }

    [Fact]
    public void Parse_LocalityAnnotationOnARoute_RejectedNamingWhereItApplies()
    {
        var result = ResourceParser.Parse("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r, annotations: {balancer.mesh.io/locality: prefer-local}}
            spec: {parentRefs: [{group: "", kind: Service, name: books}]}
            """, "default");
        Assert.False(result.Ok);
        Assert.Contains(result.Errors, e => e.ToString().Contains("metadata.annotations[\"balancer.mesh.io/locality\"]: this annotation applies only on a Service", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_MeshTlsAuthenticationNamingRemoteTrustDomain_Accepted()
    {
        var result = ResourceParser.Parse("""
            apiVersion: policy.mesh.io/v1alpha1
            kind: MeshTLSAuthentication
            metadata: {name: from-west}
            spec:
              identities:
                - "*.west.mesh"
                - books.default.serviceaccount.identity.mesh.west.mesh
                - spiffe://west.mesh/ns/default/sa/books
            """, "default");
        Assert.True(result.Ok, string.Join("\n", result.Errors));
    }

    [Fact]
    public void Parse_EmptyDocumentsAndComments_AreSkippedButCounted()
    {
        var result = ResourceParser.Parse($"---\n# nothing here\n---\n{Books}\n---\n---\n");

        var r = Assert.Single(result.Resources);
        Assert.Equal(2, r.Document);
    }

    [Fact]
    public void Parse_JsonArrayAndList_EachItemIsAResource()
    {
        var array = ResourceParser.Parse("""
            [{"apiVersion":"v1","kind":"Service","metadata":{"name":"a"},"spec":{"ports":[{"port":80}]}},
             {"apiVersion":"v1","kind":"Service","metadata":{"name":"b"},"spec":{"ports":[{"port":81}]}}]
            """);
        var list = ResourceParser.Parse("""
            apiVersion: v1
            kind: List
            items:
              - {apiVersion: v1, kind: Service, metadata: {name: a}, spec: {ports: [{port: 80}]}}
              - {apiVersion: v1, kind: Service, metadata: {name: b}, spec: {ports: [{port: 81}]}}
            """);

        Assert.Equal(["a", "b"], array.Resources.Select(r => r.Name));
        Assert.Equal([1, 2], array.Resources.Select(r => r.Document));
        Assert.Equal(["a", "b"], list.Resources.Select(r => r.Name));
    }

    [Fact]
    public void Parse_SameNameInTwoNamespaces_NotADuplicate()
    {
        var result = ResourceParser.Parse($"{Books}\n---\n{Books.Replace("name: books", "name: books\n  namespace: other")}");

        Assert.True(result.Ok, string.Join("\n", result.Errors));
        Assert.Equal(["default", "other"], result.Resources.Select(r => r.Namespace));
    }

    [Fact]
    public void Parse_InvalidDefaultNamespace_Rejected()
    {
        var result = ResourceParser.Parse(Books, "Not Valid");

        Assert.Empty(result.Resources);
        Assert.StartsWith("doc 0: (namespace):", Assert.Single(result.Errors).ToString());
    }

    [Fact]
    public void Parse_TextAtSizeLimit_Accepted()
    {
        var padded = Books + "\n#" + new string('x', ResourceParser.MaxTextBytes - Books.Length - 2);

        Assert.True(ResourceParser.Parse(padded).Ok);
        Assert.False(ResourceParser.Parse(padded + "x").Ok);
    }

    public static TheoryData<string> GoodCases => TestData.Cases("good");

    [Theory]
    [MemberData(nameof(GoodCases))]
    public void RenderYaml_ThenParse_SameCanonicalJson(string name)
    {
        var parsed = ResourceParser.Parse(File.ReadAllText(TestData.Output("good", name, "input.yaml")));
        Assert.True(parsed.Ok);

        var yaml = ResourceYaml.Render(parsed.Resources.Select(r => r.CanonicalJson));
        var again = ResourceParser.Parse(yaml);

        Assert.True(again.Ok, string.Join("\n", again.Errors) + "\n" + yaml);
        Assert.Equal(parsed.Resources.Select(r => r.CanonicalJson), again.Resources.Select(r => r.CanonicalJson));
    }

    [Theory]
    [MemberData(nameof(GoodCases))]
    public void Deserialize_CanonicalJson_TypedRecordOfTheKind(string name)
    {
        var parsed = ResourceParser.Parse(File.ReadAllText(TestData.Output("good", name, "input.yaml")));

        foreach (var r in parsed.Resources)
        {
            var typed = ResourceJson.Deserialize(r.Kind, r.CanonicalJson);
            Assert.Equal(r.Kind, typed.Kind);
            Assert.Equal(r.Name, typed.Metadata.Name);
            Assert.Equal(r.Namespace, typed.Metadata.Namespace);
            Assert.Equal(r.Kind switch
            {
                "Service" => typeof(ServiceResource),
                "Workload" => typeof(WorkloadResource),
                "HTTPRoute" => typeof(HttpRouteResource),
                "GRPCRoute" => typeof(GrpcRouteResource),
                "Server" => typeof(ServerResource),
                "AuthorizationPolicy" => typeof(AuthorizationPolicyResource),
                "MeshTLSAuthentication" => typeof(MeshTlsAuthenticationResource),
                "NetworkAuthentication" => typeof(NetworkAuthenticationResource),
                "EndpointSlice" => typeof(EndpointSliceResource),
                _ => typeof(HttpLocalRateLimitPolicyResource),
            }, typed.GetType());
        }
    }

    [Fact]
    public void Deserialize_Service_TargetPortNameAndDefaults()
    {
        var r = Single(ResourceParser.Parse("""
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec: {ports: [{name: http, port: 80, targetPort: web-http}, {name: admin, port: 9990}]}
            """));

        var svc = ResourceJson.Deserialize<ServiceResource>(r.CanonicalJson);

        Assert.Equal(IntOrString.Of("web-http"), svc.Spec.Ports[0].TargetPort);
        Assert.Equal(IntOrString.Of(9990), svc.Spec.Ports[1].TargetPort);
        Assert.Empty(svc.Spec.Selector);
        Assert.Empty(svc.Metadata.Labels);
    }

    [Fact]
    public void Deserialize_UnknownKind_ThrowsNamingKnownKinds()
    {
        var e = Assert.Throws<ArgumentException>(() => ResourceJson.Deserialize("Deployment", "{}"));
        Assert.Contains("HTTPRoute", e.Message);
    }

    private static ParsedResource Single(ParseResult result)
    {
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        return Assert.Single(result.Resources);
    }
}
