using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Mesh.Abstractions.Resources;

namespace Mesh.Kubernetes.Tests.Deploy;

/// <summary>Our policy.mesh.io CRDs against what `mesh apply` parses: each names a mesh kind as ResourceKinds does, is a
/// structural schema (every field typed, as the API server demands), accepts every good policy case the parser's
/// tests use, and rejects CRs the parser rejects too. The fake API server does not validate CRs against schemas, so
/// the schemas are checked here with a JSON Schema validator (JsonSchema.Net) over openAPIV3Schema, with unknown fields
/// an error as under kubectl's fieldValidation=Strict; x-kubernetes-* keywords (and the CEL rule) are not evaluated.</summary>
public sealed class CrdSchemaTests
{
    private static readonly ResourceKind[] PolicyKinds =
    [
        ResourceKinds.Server, ResourceKinds.AuthorizationPolicy, ResourceKinds.MeshTlsAuthentication,
        ResourceKinds.NetworkAuthentication, ResourceKinds.HttpLocalRateLimitPolicy,
    ];

    /// <summary>Every CRD of ours: the policies and the multicluster Link and FederationPeer.</summary>
    private static readonly ResourceKind[] CrdKinds = [.. PolicyKinds, ResourceKinds.Link, ResourceKinds.FederationPeer];

    private static JsonObject Crd(ResourceKind kind) =>
        YamlJson.Documents(File.ReadAllText(Path.Combine(MeshInstall.RepoRoot(), "deploy", "crds", $"{kind.ApiVersion.Split('/')[0]}_{kind.Plural}.yaml"))).Single();

    public static TheoryData<string> Kinds() => [.. CrdKinds.Select(k => k.Kind)];

    private static ResourceKind KindNamed(string kind) => CrdKinds.Single(k => k.Kind == kind);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Crd_NamesAndVersion_AsTheMeshKind(string kindName)
    {
        var kind = KindNamed(kindName);
        var crd = Crd(kind);
        var (group, version) = (kind.ApiVersion.Split('/')[0], kind.ApiVersion.Split('/')[1]);

        Assert.Equal($"{kind.Plural}.{group}", (string?)crd["metadata"]!["name"]);
        Assert.Equal(group, (string?)crd["spec"]!["group"]);
        Assert.Equal("Namespaced", (string?)crd["spec"]!["scope"]);
        Assert.Equal(kind.Kind, (string?)crd["spec"]!["names"]!["kind"]);
        Assert.Equal(kind.Plural, (string?)crd["spec"]!["names"]!["plural"]);
        var served = Assert.Single(crd["spec"]!["versions"]!.AsArray())!;
        Assert.Equal(version, (string?)served["name"]);
        Assert.True((bool)served["served"]! && (bool)served["storage"]!);
        foreach (var shortName in crd["spec"]!["names"]!["shortNames"]?.AsArray() ?? [])
            Assert.Contains((string)shortName!, kind.Aliases);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Crd_Schema_IsStructural(string kindName)
    {
        var schema = OpenApiSchema(KindNamed(kindName));
        var problems = new List<string>();
        CheckStructural(schema, "openAPIV3Schema", problems);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>The API server's structural-schema rules that matter here: every node outside a junctor (anyOf, allOf,
    /// oneOf, not) has a type, or is x-kubernetes-int-or-string; junctors carry no type, description or default.</summary>
    private static void CheckStructural(JsonObject node, string path, List<string> problems, bool inJunctor = false)
    {
        var intOrString = (bool?)node["x-kubernetes-int-or-string"] == true;
        if (!inJunctor && node["type"] is null && !intOrString) problems.Add($"{path}: no type");
        if (inJunctor && (node["type"] is not null && !IsIntOrStringBranch(node) || node["description"] is not null || node["default"] is not null))
            problems.Add($"{path}: type, description or default inside a junctor");
        foreach (var (name, child) in node["properties"]?.AsObject() ?? [])
            CheckStructural(child!.AsObject(), $"{path}.properties.{name}", problems, inJunctor);
        if (node["items"] is JsonObject items) CheckStructural(items, $"{path}.items", problems, inJunctor);
        if (node["additionalProperties"] is JsonObject extra) CheckStructural(extra, $"{path}.additionalProperties", problems, inJunctor);
        foreach (var junctor in new[] { "anyOf", "allOf", "oneOf" })
            foreach (var (branch, i) in (node[junctor]?.AsArray() ?? []).Select((b, i) => (b!.AsObject(), i)))
                CheckStructural(branch, $"{path}.{junctor}[{i}]", problems, inJunctor: true);

        static bool IsIntOrStringBranch(JsonObject branch) => branch.Count == 1 && (string?)branch["type"] is "integer" or "string";
    }

    public static TheoryData<string, string> GoodPolicyDocuments()
    {
        var data = new TheoryData<string, string>();
        var good = Path.Combine(MeshInstall.RepoRoot(), "Tests", "Mesh.Abstractions.Tests", "testdata", "good");
        foreach (var file in Directory.GetDirectories(good).Select(d => Path.Combine(d, "input.yaml")).Where(File.Exists).Order())
            foreach (var doc in YamlJson.Documents(File.ReadAllText(file)).Where(d => (string?)d["apiVersion"] == "policy.mesh.io/v1alpha1"))
                data.Add($"{Path.GetFileName(Path.GetDirectoryName(file))}/{doc["kind"]}/{doc["metadata"]!["name"]}", doc.ToJsonString());
        return data;
    }

    [Fact]
    public void GoodPolicyDocuments_CoverEveryPolicyKind() =>
        Assert.Equal(PolicyKinds.Select(k => k.Kind).Order(), GoodPolicyDocuments().Select(row => ((string)row[0]).Split('/')[1]).Distinct().Order());

    [Theory]
    [MemberData(nameof(GoodPolicyDocuments))]
    public void GoodCase_AsTheUserWroteIt_ValidAgainstTheShippedCrd(string name, string json)
    {
        var doc = JsonNode.Parse(json)!.AsObject();
        var problems = Validate(doc);
        Assert.True(problems.Count == 0, $"{name}: {string.Join("; ", problems)}");
    }

    [Theory]
    [InlineData("""{"targetClusterName":"west","federationAddress":"10.0.0.5:8087","federationIdentity":"spiffe://west.mesh/ns/mesh/sa/silo"}""")]
    [InlineData("""{"targetClusterName":"west","federationAddress":"10.0.0.5:8087","federationIdentity":"spiffe://west.mesh/ns/mesh/sa/silo","gatewayAddress":"10.0.0.6","gatewayPort":4143,"gatewayIdentity":"spiffe://west.mesh/ns/mesh/sa/gateway","probeSpec":{"path":"/ready","period":"3s","timeout":"2s","failureThreshold":3},"selector":{"matchLabels":{"mirror.mesh.io/exported":"true"}},"excludedLabels":["team"]}""")]
    public void GoodLink_ValidAgainstTheShippedCrd_AndParsed(string spec)
    {
        var doc = JsonNode.Parse($$"""{"apiVersion":"multicluster.mesh.io/v1alpha1","kind":"Link","metadata":{"name":"west","namespace":"mesh"},"spec":{{spec}}}""")!.AsObject();

        var problems = Validate(doc);
        Assert.True(problems.Count == 0, string.Join("; ", problems));
        Assert.True(ResourceParser.Parse(doc.ToJsonString()).Ok);
    }

    [Theory]
    [InlineData("link without federationIdentity", """{"targetClusterName":"west","federationAddress":"10.0.0.5:8087"}""")]
    [InlineData("link target not a DNS label", """{"targetClusterName":"West_1","federationAddress":"10.0.0.5:8087","federationIdentity":"spiffe://west.mesh/ns/mesh/sa/silo"}""")]
    [InlineData("link identity not SPIFFE", """{"targetClusterName":"west","federationAddress":"10.0.0.5:8087","federationIdentity":"west-silo"}""")]
    [InlineData("link gateway port out of range", """{"targetClusterName":"west","federationAddress":"10.0.0.5:8087","federationIdentity":"spiffe://west.mesh/ns/mesh/sa/silo","gatewayPort":70000}""")]
    [InlineData("link with an unknown field", """{"targetClusterName":"west","federationAddress":"10.0.0.5:8087","federationIdentity":"spiffe://west.mesh/ns/mesh/sa/silo","kubeconfig":"x"}""")]
    public void BadLink_RejectedByTheSchemaAndByTheParser(string why, string spec)
    {
        var doc = JsonNode.Parse($$"""{"apiVersion":"multicluster.mesh.io/v1alpha1","kind":"Link","metadata":{"name":"west","namespace":"mesh"},"spec":{{spec}}}""")!.AsObject();

        Assert.True(Validate(doc).Count > 0, $"{why}: the CRD schema accepts it");
        Assert.False(ResourceParser.Parse(doc.ToJsonString()).Ok, $"{why}: the schema rejects what `mesh apply` accepts");
    }

    [Fact]
    public void GoodFederationPeer_ValidAgainstTheShippedCrd_AndParsed()
    {
        var doc = JsonNode.Parse("""
            {"apiVersion":"multicluster.mesh.io/v1alpha1","kind":"FederationPeer","metadata":{"name":"east-mesh-silo","namespace":"mesh"},
             "spec":{"identity":"spiffe://east.mesh/ns/mesh/sa/silo"}}
            """)!.AsObject();

        var problems = Validate(doc);
        Assert.True(problems.Count == 0, string.Join("; ", problems));
        Assert.True(ResourceParser.Parse(doc.ToJsonString()).Ok);
    }

    [Theory]
    [InlineData("peer without identity", """{}""")]
    [InlineData("peer identity not SPIFFE", """{"identity":"east-silo"}""")]
    [InlineData("peer identity a pattern", """{"identity":"spiffe://east.mesh/*"}""")]
    [InlineData("peer identity not a string", """{"identity":7}""")]
    [InlineData("peer with an unknown field", """{"identity":"spiffe://east.mesh/ns/mesh/sa/silo","trustDomain":"east.mesh"}""")]
    public void BadFederationPeer_RejectedByTheSchemaAndByTheParser(string why, string spec)
    {
        var doc = JsonNode.Parse($$"""{"apiVersion":"multicluster.mesh.io/v1alpha1","kind":"FederationPeer","metadata":{"name":"east","namespace":"mesh"},"spec":{{spec}}}""")!.AsObject();

        Assert.True(Validate(doc).Count > 0, $"{why}: the CRD schema accepts it");
        Assert.False(ResourceParser.Parse(doc.ToJsonString()).Ok, $"{why}: the schema rejects what `mesh apply` accepts");
    }

    [Theory]
    [InlineData("server port above 65535", "Server", """{"podSelector":{},"port":70000}""")]
    [InlineData("server port name with a space", "Server", """{"podSelector":{},"port":"admin port"}""")]
    [InlineData("server without podSelector", "Server", """{"port":8080}""")]
    [InlineData("server proxyProtocol in the wrong case", "Server", """{"podSelector":{},"port":8080,"proxyProtocol":"http/1"}""")]
    [InlineData("selector operator unknown", "Server", """{"podSelector":{"matchExpressions":[{"key":"app","operator":"Among","values":["a"]}]},"port":8080}""")]
    [InlineData("server with an unknown field", "Server", """{"podSelector":{},"port":8080,"protocol":"HTTP/1"}""")]
    [InlineData("server trusting a gateway pattern", "Server", """{"podSelector":{},"port":8080,"trustedGateways":["*.west.mesh"]}""")]
    [InlineData("authorization target a Pod", "AuthorizationPolicy", """{"targetRef":{"kind":"Pod","name":"web"},"requiredAuthenticationRefs":[]}""")]
    [InlineData("authorization without authentications", "AuthorizationPolicy", """{"targetRef":{"group":"policy.mesh.io","kind":"Server","name":"web"}}""")]
    [InlineData("mesh TLS with neither list", "MeshTLSAuthentication", """{}""")]
    [InlineData("mesh TLS identity not a SPIFFE id", "MeshTLSAuthentication", """{"identities":["web.default"]}""")]
    [InlineData("mesh TLS wildcard inside a SPIFFE id", "MeshTLSAuthentication", """{"identities":["spiffe://west.mesh/*"]}""")]
    [InlineData("network authentication without networks", "NetworkAuthentication", """{"networks":[]}""")]
    [InlineData("rate limit of zero", "HTTPLocalRateLimitPolicy", """{"targetRef":{"group":"policy.mesh.io","kind":"Server","name":"web"},"total":{"requestsPerSecond":0}}""")]
    [InlineData("rate limit override without clients", "HTTPLocalRateLimitPolicy", """{"targetRef":{"group":"policy.mesh.io","kind":"Server","name":"web"},"overrides":[{"requestsPerSecond":5,"clientRefs":[]}]}""")]
    public void BadCr_ViolatingTheSchema_RejectedByTheSchemaAndByTheParser(string why, string kind, string spec)
    {
        var doc = JsonNode.Parse($$"""{"apiVersion":"policy.mesh.io/v1alpha1","kind":"{{kind}}","metadata":{"name":"bad","namespace":"default"},"spec":{{spec}}}""")!.AsObject();

        Assert.True(Validate(doc).Count > 0, $"{why}: the CRD schema accepts it");
        var parsed = ResourceParser.Parse(doc.ToJsonString());
        Assert.False(parsed.Ok, $"{why}: the schema rejects what `mesh apply` accepts");
    }

    private static readonly Dictionary<string, JsonSchema> Schemas = [];

    private static List<string> Validate(JsonObject doc)
    {
        var kind = KindNamed((string)doc["kind"]!);
        JsonSchema schema;
        lock (Schemas)
        {
            if (!Schemas.TryGetValue(kind.Kind, out schema!))
                // Distinct base URIs: JsonSchema.Net registers schemas globally by id.
                Schemas[kind.Kind] = schema = JsonSchema.FromText(Strict(OpenApiSchema(kind).DeepClone())!.ToJsonString(),
                    baseUri: new Uri($"https://mesh.test/deploy/{kind.Plural}"));
        }
        using var json = JsonDocument.Parse(doc.ToJsonString());
        var result = schema.Evaluate(json.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        return result.IsValid ? [] : [.. (result.Details ?? []).Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))];
    }

    private static JsonObject OpenApiSchema(ResourceKind kind) =>
        Crd(kind)["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!.AsObject();

    /// <summary>x-kubernetes-* keywords go (JsonSchema.Net refuses unknown keywords); every typed object with
    /// properties refuses others (the API server's strict field validation; metadata is checked by the server).</summary>
    private static JsonNode? Strict(JsonNode? node)
    {
        if (node is JsonObject o)
        {
            foreach (var key in o.Select(p => p.Key).Where(k => k.StartsWith("x-kubernetes-", StringComparison.Ordinal)).ToList()) o.Remove(key);
            // o["type"] is an object where o is a properties map with a field named "type" (a condition's).
            if (o["type"] is JsonValue type && (string?)type == "object" && o["properties"] is not null && o["additionalProperties"] is null) o["additionalProperties"] = false;
            foreach (var p in o.ToList()) Strict(p.Value);
        }
        else if (node is JsonArray a)
            foreach (var i in a) Strict(i);
        return node;
    }
}
