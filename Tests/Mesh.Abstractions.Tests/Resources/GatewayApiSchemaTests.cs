using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Mesh.Abstractions.Resources;
using Mesh.Abstractions.Resources.Syntax;

namespace Mesh.Abstractions.Tests.Resources;

/// <summary>Our HTTPRoute/GRPCRoute output must be valid against the upstream Gateway API v1.6.1 CRD schemas
/// (openAPIV3Schema of version v1), so what the parser accepts a cluster accepts too. CEL rules are not evaluated by a
/// JSON Schema validator; the parser implements those it needs and the bad-input cases test them.</summary>
public sealed class GatewayApiSchemaTests
{
    private static readonly string CrdDir = FindCrds();

    public static TheoryData<string> Cases => TestData.Cases("good");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Parse_GoodRoutes_ValidAgainstUpstreamCrdSchema(string name)
    {
        var parsed = ResourceParser.Parse(File.ReadAllText(TestData.Output("good", name, "input.yaml")));
        Assert.True(parsed.Ok, string.Join("\n", parsed.Errors));
        foreach (var r in parsed.Resources.Where(r => r.Kind is "HTTPRoute" or "GRPCRoute"))
        {
            var schema = Schema(r.Kind == "HTTPRoute" ? "gateway.networking.k8s.io_httproutes.yaml" : "gateway.networking.k8s.io_grpcroutes.yaml");
            using var doc = JsonDocument.Parse(r.CanonicalJson);
            var result = schema.Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.True(result.IsValid, $"{r.Kind} {r.Name}: " + string.Join("; ", (result.Details ?? [])
                .Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
        }
    }

    [Fact]
    public void UpstreamSchema_WeightAboveMaximum_Invalid()
    {
        // Guards the test itself: the converted schema does reject what the CRD rejects.
        var schema = Schema("gateway.networking.k8s.io_httproutes.yaml");
        var route = """
            {"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute","metadata":{"name":"r"},
             "spec":{"parentRefs":[{"group":"","kind":"Service","name":"books"}],
                     "rules":[{"backendRefs":[{"name":"books","port":80,"weight":2000000}]}]}}
            """;
        using var doc = JsonDocument.Parse(route);
        Assert.False(schema.Evaluate(doc.RootElement).IsValid);
    }

    private static readonly Dictionary<string, JsonSchema> Schemas = [];

    private static JsonSchema Schema(string file)
    {
        lock (Schemas)
        {
            if (Schemas.TryGetValue(file, out var cached)) return cached;
            var crd = ToJson(YamlSource.Read(File.ReadAllText(Path.Combine(CrdDir, file)))[0].Root!)!;
            var v1 = crd["spec"]!["versions"]!.AsArray().First(v => v!["name"]!.GetValue<string>() == "v1")!;
            var text = StripKubernetesExtensions(v1["schema"]!["openAPIV3Schema"]!.DeepClone())!.ToJsonString();
            // Distinct base URIs: JsonSchema.Net registers schemas globally by id.
            return Schemas[file] = JsonSchema.FromText(text, baseUri: new Uri($"https://mesh.test/{file}"));
        }
    }

    /// <summary>Kubernetes' x-kubernetes-* keywords (list types, CEL rules) are not JSON Schema; JsonSchema.Net refuses
    /// unknown keywords, so they go. Everything JSON Schema checks (types, patterns, ranges, enums) stays.</summary>
    private static JsonNode? StripKubernetesExtensions(JsonNode? node)
    {
        if (node is JsonObject o)
        {
            foreach (var key in o.Select(p => p.Key).Where(k => k.StartsWith("x-kubernetes-", StringComparison.Ordinal)).ToList())
                o.Remove(key);
            foreach (var p in o.ToList()) StripKubernetesExtensions(p.Value);
        }
        else if (node is JsonArray a)
            foreach (var i in a) StripKubernetesExtensions(i);
        return node;
    }

    /// <summary>YAML → JSON with YAML 1.2 core typing for plain scalars (the CRDs use plain numbers and booleans).</summary>
    private static JsonNode? ToJson(Node node) => node switch
    {
        MappingNode m => new JsonObject(m.Entries.Select(e => KeyValuePair.Create(e.Key, ToJson(e.Value)))),
        SequenceNode s => new JsonArray([.. s.Items.Select(ToJson)]),
        ScalarNode { IsNull: true } => null,
        ScalarNode { Plain: true, Value: "true" } => JsonValue.Create(true),
        ScalarNode { Plain: true, Value: "false" } => JsonValue.Create(false),
        ScalarNode { Plain: true } s when long.TryParse(s.Value, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
        ScalarNode s => JsonValue.Create(s.Value),
        _ => throw new InvalidOperationException(node.GetType().Name),
    };

    /// <summary>A copy of the upstream CRDs (Apache-2.0, LICENSE beside them) lives in testdata so CI needs nothing else.</summary>
    private static string FindCrds() => TestData.Output("gateway-api-v1.6.1");
}
