using System.Text.Json.Nodes;
using CsCheck;
using Mesh.Testing.KubeApi.Kinds;
using Mesh.Testing.KubeApi.Patches;

namespace Mesh.Kubernetes.Tests.KubeApi.Patches;

/// <summary>The three patch types: the strategic merge directives kubectl apply sends, RFC 6902 operations, and
/// random documents that must come back as a value (patched or a 4xx error), never an exception.</summary>
public sealed class PatchTests
{
    private static readonly KindInfo Pod = new KindRegistry().Find("", "v1", "pods")!;

    private static JsonNode PodDoc() => JsonNode.Parse("""
        {"metadata":{"name":"p","finalizers":["a","b"],"labels":{"x":"1"}},
         "spec":{"containers":[{"name":"app","image":"i:1","ports":[{"containerPort":80},{"containerPort":81}]},{"name":"side","image":"s"}],
                 "volumes":[{"name":"v","emptyDir":{}}]}}
        """)!;

    [Fact]
    public void StrategicMergePatch_ContainersByName_MergesDeletesAndReorders()
    {
        var patch = JsonNode.Parse("""
            {"spec":{"$setElementOrder/containers":[{"name":"side"},{"name":"app"}],
                     "containers":[{"name":"app","image":"i:2","ports":[{"containerPort":81,"protocol":"UDP"}]},{"name":"new","image":"n"},{"$patch":"delete","name":"new"}]},
             "metadata":{"$deleteFromPrimitiveList/finalizers":["a"],"finalizers":["c"],"labels":{"x":null}}}
            """);
        var r = StrategicMergePatch.Apply(PodDoc(), patch, Pod);
        Assert.True(r.Ok, r.Error?.Message);
        var containers = r.Value!["spec"]!["containers"]!.AsArray();
        Assert.Equal(["side", "app"], containers.Select(c => (string)c!["name"]!));
        Assert.Equal("i:2", (string?)containers[1]!["image"]);
        Assert.Equal("UDP", (string?)containers[1]!["ports"]![1]!["protocol"]);
        Assert.Equal(2, containers[1]!["ports"]!.AsArray().Count);
        Assert.Equal(["b", "c"], r.Value!["metadata"]!["finalizers"]!.AsArray().Select(f => (string)f!));
        Assert.Empty(r.Value!["metadata"]!["labels"]!.AsObject());
    }

    [Fact]
    public void StrategicMergePatch_ReplaceAndRetainKeysDirectives()
    {
        var patch = JsonNode.Parse("""{"spec":{"volumes":[{"name":"w","configMap":{"name":"c"}},{"$patch":"replace"}],"$retainKeys":["volumes"]}}""");
        var r = StrategicMergePatch.Apply(PodDoc(), patch, Pod);
        Assert.True(r.Ok, r.Error?.Message);
        Assert.Equal(["volumes"], r.Value!["spec"]!.AsObject().Select(kv => kv.Key));
        Assert.Equal("w", (string?)Assert.Single(r.Value!["spec"]!["volumes"]!.AsArray())!["name"]);
    }

    [Fact]
    public void StrategicMergePatch_ListItemWithoutItsMergeKey_IsBadRequest()
    {
        var r = StrategicMergePatch.Apply(PodDoc(), JsonNode.Parse("""{"spec":{"containers":[{"image":"x"}]}}"""), Pod);
        Assert.Equal(400, r.Error!.Code);
        Assert.Contains("does not contain declared merge key: name", r.Error.Message);
    }

    [Theory]
    [InlineData("""{"spec":{"$setElementOrder/containers":[1953,null]}}""")]
    [InlineData("""{"spec":{"$setElementOrder/containers":[{"image":"x"}]}}""")]
    public void StrategicMergePatch_SetElementOrderOfAMergeKeyedListNotNamingItsKey_IsBadRequest(string patch)
    {
        // Was a 500: the order's elements were read as maps.
        var r = StrategicMergePatch.Apply(PodDoc(), JsonNode.Parse(patch), Pod);
        Assert.Equal(400, r.Error!.Code);
        Assert.Contains("$setElementOrder/containers", r.Error.Message);
        Assert.Contains("merge key name", r.Error.Message);
    }

    [Fact]
    public void JsonPatch_Rfc6902Operations_ApplyInOrder()
    {
        var ops = JsonNode.Parse("""
            [{"op":"test","path":"/metadata/name","value":"p"},
             {"op":"add","path":"/metadata/labels/a~1b","value":"y"},
             {"op":"copy","from":"/metadata/labels/x","path":"/metadata/labels/copied"},
             {"op":"move","from":"/spec/volumes","path":"/spec/moved"},
             {"op":"replace","path":"/spec/containers/0/image","value":"i:9"},
             {"op":"remove","path":"/spec/containers/1"},
             {"op":"add","path":"/spec/containers/-","value":{"name":"last"}}]
            """);
        var r = JsonPatch.Apply(PodDoc(), ops);
        Assert.True(r.Ok, r.Error?.Message);
        Assert.Equal("y", (string?)r.Value!["metadata"]!["labels"]!["a/b"]);
        Assert.Equal("1", (string?)r.Value!["metadata"]!["labels"]!["copied"]);
        Assert.Null(r.Value!["spec"]!["volumes"]);
        Assert.Equal(["app", "last"], r.Value!["spec"]!["containers"]!.AsArray().Select(c => (string)c!["name"]!));
    }

    [Theory]
    [InlineData("""[{"op":"test","path":"/metadata/name","value":"q"}]""", 422)]
    [InlineData("""[{"op":"remove","path":"/spec/nothing"}]""", 422)]
    [InlineData("""[{"op":"add","path":"/spec/containers/9","value":1}]""", 422)]
    [InlineData("""[{"op":"jump","path":"/a"}]""", 400)]
    [InlineData("""[{"path":"/a"}]""", 400)]
    [InlineData("""{"op":"add"}""", 400)]
    [InlineData("""[{"op":"add","path":"a","value":1}]""", 400)]
    public void JsonPatch_Failing_IsAClientError(string ops, int code)
    {
        Assert.Equal(code, JsonPatch.Apply(PodDoc(), JsonNode.Parse(ops)).Error!.Code);
    }

    [Fact]
    public void JsonMergePatch_NullDeletesObjectsMergeListsReplace()
    {
        var r = JsonMergePatch.Apply(PodDoc(), JsonNode.Parse("""{"metadata":{"labels":{"x":null,"y":"2"}},"spec":{"containers":[]}}"""))!;
        Assert.Equal("2", (string?)r["metadata"]!["labels"]!["y"]);
        Assert.Null(r["metadata"]!["labels"]!["x"]);
        Assert.Empty(r["spec"]!["containers"]!.AsArray());
    }

    [Fact]
    public void Patches_RandomDocuments_NeverThrow()
    {
        Gen.Select(RandomJson.Node, RandomJson.Node).Sample((target, patch) =>
        {
            var doc = target ?? new JsonObject();
            var smp = StrategicMergePatch.Apply(doc, patch, Pod);
            Assert.True(smp.Ok || smp.Error!.Code is 400);
            // Against a real Pod too: its merge-keyed lists exist, so list directives reach them.
            var pod = StrategicMergePatch.Apply(PodDoc(), patch, Pod);
            Assert.True(pod.Ok || pod.Error!.Code is 400);
            var jp = JsonPatch.Apply(doc, patch);
            Assert.True(jp.Ok || jp.Error!.Code is 400 or 422);
            JsonMergePatch.Apply(doc, patch);
        }, iter: 5_000, print: t => $"target {t.Item1?.ToJsonString()} patch {t.Item2?.ToJsonString()}");
    }
}
