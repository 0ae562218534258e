using System.Text.Json.Nodes;
using CsCheck;

namespace Mesh.Kubernetes.Tests.KubeApi;

/// <summary>Random JSON documents biased towards the keys and values the fake's patch code branches on ($patch,
/// $setElementOrder/…, op/path/from, merge keys), built from a CsCheck int array so failures shrink.</summary>
internal static class RandomJson
{
    private static readonly string[] Words =
    [
        "$patch", "delete", "replace", "merge", "$retainKeys", "$setElementOrder/containers", "$deleteFromPrimitiveList/finalizers",
        "containers", "name", "app", "metadata", "spec", "labels", "annotations", "finalizers", "ports", "containerPort", "status",
        "resourceVersion", "op", "path", "value", "from", "add", "remove", "move", "copy", "test", "/spec", "/metadata/labels/x",
        "/spec/containers/0", "/spec/containers/-", "/metadata", "", "/", "~2", "/a~1b", "-", "0", "01", "10", "x", "$unknown",
    ];

    public static readonly Gen<JsonNode?> Node = Gen.Int[0, 10_000].Array[0, 48].Select(xs =>
    {
        var i = 0;
        return Build(xs, ref i, 0);
    });

    public static readonly Gen<string> Text = Gen.Frequency(
        (4, Node.Select(n => n?.ToJsonString() ?? "null")),
        (1, Gen.String[Gen.Char["{}[]\":,nul0123 \\tf$"], 0, 40]));

    private static JsonNode? Build(int[] xs, ref int i, int depth)
    {
        if (i >= xs.Length) return JsonValue.Create(0);
        var x = xs[i++];
        switch (depth > 5 ? x % 4 : x % 8)
        {
            case 0: return null;
            case 1: return JsonValue.Create(x - 5000);
            case 2: return JsonValue.Create(Words[x % Words.Length]);
            case 3: return JsonValue.Create(x % 2 == 0);
            case 4 or 5 or 6:
            {
                var o = new JsonObject();
                for (var n = x % 5; n > 0 && i < xs.Length; n--) o[Words[xs[i++] % Words.Length]] = Build(xs, ref i, depth + 1);
                return o;
            }
            default:
            {
                var a = new JsonArray();
                for (var n = x % 4; n > 0 && i < xs.Length; n--) a.Add(Build(xs, ref i, depth + 1));
                return a;
            }
        }
    }
}
