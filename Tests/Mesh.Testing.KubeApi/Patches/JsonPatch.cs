using System.Text.Json.Nodes;
using Mesh.Testing.KubeApi.Http;

namespace Mesh.Testing.KubeApi.Patches;

/// <summary>RFC 6902 JSON patch (add, remove, replace, move, copy, test) over RFC 6901 pointers. A malformed document
/// is a 400; an operation that cannot apply (missing path, failed test) is a 422, as the API server answers.</summary>
public static class JsonPatch
{
    public static Outcome<JsonNode> Apply(JsonNode target, JsonNode? patch)
    {
        if (patch is not JsonArray ops) return ApiError.BadRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
        var doc = target.DeepClone();
        foreach (var opNode in ops)
        {
            if (opNode is not JsonObject op) return ApiError.BadRequest("json: cannot unmarshal into Go value of type jsonpatch.Operation");
            var name = Str(op, "op");
            var path = Str(op, "path");
            if (name is null) return ApiError.BadRequest("Unexpected kind: missing op");
            if (path is null) return ApiError.BadRequest($"operation {name} is missing path");
            var pointer = ParsePointer(path);
            if (pointer is null) return ApiError.BadRequest($"invalid JSON pointer: \"{path}\"");
            string? error;
            switch (name)
            {
                case "add":
                    if (!op.ContainsKey("value")) return ApiError.BadRequest("add operation does not apply: missing value");
                    error = Add(ref doc, pointer, op["value"]?.DeepClone());
                    break;
                case "remove":
                    error = Remove(ref doc, pointer, out _);
                    break;
                case "replace":
                    if (!op.ContainsKey("value")) return ApiError.BadRequest("replace operation does not apply: missing value");
                    error = Remove(ref doc, pointer, out _) ?? Add(ref doc, pointer, op["value"]?.DeepClone());
                    break;
                case "move" or "copy":
                {
                    var fromText = Str(op, "from");
                    var from = fromText is null ? null : ParsePointer(fromText);
                    if (from is null) return ApiError.BadRequest($"{name} operation is missing a valid from");
                    JsonNode? value;
                    if (name == "move") error = Remove(ref doc, from, out value);
                    else error = Get(doc, from, out value);
                    if (error is null) error = Add(ref doc, pointer, name == "copy" ? value?.DeepClone() : value);
                    break;
                }
                case "test":
                    error = Get(doc, pointer, out var actual);
                    if (error is null && !JsonNode.DeepEquals(actual, op["value"])) error = $"testing value {path} failed";
                    break;
                default:
                    return ApiError.BadRequest($"Unexpected kind: {name}");
            }
            if (error is not null) return new ApiError(422, "Invalid", $"the server rejected our request due to an error in our request: {error}");
        }
        return doc!;
    }

    private static string? Str(JsonObject o, string key) =>
        o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static List<string>? ParsePointer(string path)
    {
        if (path.Length == 0) return [];
        if (path[0] != '/') return null;
        var parts = new List<string>();
        foreach (var raw in path[1..].Split('/'))
        {
            for (var i = 0; i < raw.Length; i++)
                if (raw[i] == '~' && (i + 1 >= raw.Length || raw[i + 1] is not ('0' or '1'))) return null;
            parts.Add(raw.Replace("~1", "/").Replace("~0", "~"));
        }
        return parts;
    }

    private static string? Parent(JsonNode? doc, List<string> pointer, out JsonNode? parent)
    {
        parent = doc;
        for (var i = 0; i < pointer.Count - 1; i++)
        {
            var err = Step(parent, pointer[i], out parent);
            if (err is not null) return err;
        }
        return null;
    }

    private static string? Step(JsonNode? node, string token, out JsonNode? child)
    {
        child = null;
        switch (node)
        {
            case JsonObject o:
                if (!o.TryGetPropertyValue(token, out child)) return $"missing key \"{token}\"";
                return null;
            case JsonArray a:
                if (!int.TryParse(token, out var index) || token.StartsWith('+') || (token.Length > 1 && token[0] == '0') || index < 0 || index >= a.Count)
                    return $"invalid array index \"{token}\"";
                child = a[index];
                return null;
            default:
                return $"cannot descend into \"{token}\"";
        }
    }

    private static string? Get(JsonNode? doc, List<string> pointer, out JsonNode? value)
    {
        value = doc;
        foreach (var token in pointer)
        {
            var err = Step(value, token, out value);
            if (err is not null) return err;
        }
        return null;
    }

    private static string? Add(ref JsonNode? doc, List<string> pointer, JsonNode? value)
    {
        if (pointer.Count == 0) { doc = value; return null; }
        var err = Parent(doc, pointer, out var parent);
        if (err is not null) return err;
        var last = pointer[^1];
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                return null;
            case JsonArray a:
                if (last == "-") { a.Add(value); return null; }
                if (!int.TryParse(last, out var index) || index < 0 || index > a.Count || (last.Length > 1 && last[0] == '0'))
                    return $"invalid array index \"{last}\"";
                a.Insert(index, value);
                return null;
            default:
                return $"cannot add at \"{last}\": parent is not a container";
        }
    }

    private static string? Remove(ref JsonNode? doc, List<string> pointer, out JsonNode? removed)
    {
        removed = null;
        if (pointer.Count == 0) { removed = doc; doc = null; return null; }
        var err = Parent(doc, pointer, out var parent);
        if (err is not null) return err;
        var last = pointer[^1];
        switch (parent)
        {
            case JsonObject o:
                if (!o.TryGetPropertyValue(last, out removed)) return $"missing key \"{last}\"";
                o.Remove(last);
                return null;
            case JsonArray a:
                if (!int.TryParse(last, out var index) || index < 0 || index >= a.Count || (last.Length > 1 && last[0] == '0'))
                    return $"invalid array index \"{last}\"";
                removed = a[index];
                a.RemoveAt(index);
                return null;
            default:
                return $"cannot remove \"{last}\": parent is not a container";
        }
    }
}
