using System.Text.Json.Nodes;

namespace Mesh.Injection;

/// <summary>Changes an object and records each change as an RFC 6902 operation, so the patch the webhook answers and
/// the object `mesh inject` prints are one computation. Only the operations the injector needs: add/replace a member,
/// insert into or append to an array.</summary>
internal sealed class JsonPatchWriter(JsonObject target)
{
    private readonly JsonArray _operations = [];

    public JsonObject Target => target;
    public JsonArray Operations => _operations;

    /// <summary>The object member at <paramref name="path"/>, created (add, or replace of a null) when missing.</summary>
    public JsonObject Object(params string[] path) => Resolve(path) as JsonObject ?? (JsonObject)Set(path, new JsonObject());

    /// <summary>The array member at <paramref name="path"/>, created when missing.</summary>
    public JsonArray Array(params string[] path) => Resolve(path) as JsonArray ?? (JsonArray)Set(path, new JsonArray());

    /// <summary>Sets a member: "add" when absent, "replace" when present (even as null); returns the stored node.</summary>
    public JsonNode Set(string[] path, JsonNode value)
    {
        var parent = (JsonObject)Resolve(path[..^1])!;
        var op = parent.ContainsKey(path[^1]) ? "replace" : "add";
        parent[path[^1]] = value;
        Record(op, Pointer(path), value);
        return value;
    }

    public void Insert(string[] arrayPath, int index, JsonNode value)
    {
        var array = (JsonArray)Resolve(arrayPath)!;
        array.Insert(index, value);
        Record("add", Pointer(arrayPath) + "/" + index, value);
    }

    public void Append(string[] arrayPath, JsonNode value)
    {
        var array = (JsonArray)Resolve(arrayPath)!;
        array.Add(value);
        Record("add", Pointer(arrayPath) + "/-", value);
    }

    private void Record(string op, string path, JsonNode value) =>
        _operations.Add(new JsonObject { ["op"] = op, ["path"] = path, ["value"] = value.DeepClone() });

    private JsonNode? Resolve(string[] path)
    {
        JsonNode? node = target;
        foreach (var key in path) node = node is JsonObject o && o.TryGetPropertyValue(key, out var child) ? child : null;
        return node;
    }

    /// <summary>RFC 6901: '~' is "~0" and '/' is "~1" (annotation keys such as mesh.io/inject have a slash).</summary>
    public static string Pointer(IEnumerable<string> path) => string.Concat(path.Select(p => "/" + p.Replace("~", "~0").Replace("/", "~1")));
}
