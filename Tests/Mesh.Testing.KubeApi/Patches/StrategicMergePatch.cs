using System.Text.Json.Nodes;
using Mesh.Testing.KubeApi.Http;
using Mesh.Testing.KubeApi.Kinds;
using Mesh.Testing.KubeApi.Store;

namespace Mesh.Testing.KubeApi.Patches;

/// <summary>Strategic merge patch as far as <c>kubectl apply</c> produces it: JSON merge semantics, plus lists merged
/// by the kind's merge key, set-merged primitive lists, and the <c>$patch</c>, <c>$retainKeys</c>,
/// <c>$setElementOrder/</c> and <c>$deleteFromPrimitiveList/</c> directives. Lists without a declared key replace.</summary>
public static class StrategicMergePatch
{
    private const string SetOrder = "$setElementOrder/";
    private const string DeleteFromPrimitive = "$deleteFromPrimitiveList/";

    public static Outcome<JsonNode> Apply(JsonNode target, JsonNode? patch, KindInfo kind)
    {
        if (patch is not JsonObject p) return ApiError.BadRequest("json: cannot unmarshal into Go value of type map[string]interface {}");
        var error = MergeObject(target as JsonObject ?? new JsonObject(), p, "", kind, out var merged);
        if (error is not null) return ApiError.BadRequest(error);
        return merged ?? new JsonObject();
    }

    private static string? MergeObject(JsonObject? target, JsonObject patch, string path, KindInfo kind, out JsonObject? result)
    {
        result = null;
        if (patch["$patch"] is { } directive)
        {
            var d = JsonText.Str(directive) ?? "";
            if (d == "delete") return null;
            if (d == "replace")
            {
                result = patch.DeepClone().AsObject();
                result.Remove("$patch");
                return null;
            }
            if (d != "merge") return $"Unknown patch type: {d}";
        }
        result = target?.DeepClone().AsObject() ?? new JsonObject();
        var orders = new List<(string Field, JsonArray Order)>();
        foreach (var (key, value) in patch)
        {
            if (key is "$patch" or "$retainKeys") continue;
            if (key.StartsWith(SetOrder, StringComparison.Ordinal))
            {
                if (value is not JsonArray order) return $"{key} must be a list";
                orders.Add((key[SetOrder.Length..], order));
                continue;
            }
            if (key.StartsWith(DeleteFromPrimitive, StringComparison.Ordinal))
            {
                if (value is not JsonArray remove) return $"{key} must be a list";
                var field = key[DeleteFromPrimitive.Length..];
                if (result[field] is JsonArray existing)
                    foreach (var r in remove)
                        for (var i = existing.Count - 1; i >= 0; i--)
                            if (JsonNode.DeepEquals(existing[i], r)) existing.RemoveAt(i);
                continue;
            }
            if (key.StartsWith('$')) return $"unknown directive {key}";
            var childPath = path.Length == 0 ? key : $"{path}.{key}";
            switch (value)
            {
                case null:
                    result.Remove(key);
                    break;
                case JsonObject childPatch:
                {
                    var err = MergeObject(result[key] as JsonObject, childPatch, childPath, kind, out var child);
                    if (err is not null) return err;
                    if (child is null) result.Remove(key); else result[key] = child;
                    break;
                }
                case JsonArray list:
                {
                    var err = MergeList(result[key] as JsonArray, list, childPath, kind, out var merged);
                    if (err is not null) return err;
                    result[key] = merged;
                    break;
                }
                default:
                    result[key] = value.DeepClone();
                    break;
            }
        }
        foreach (var (field, order) in orders)
        {
            // With a merge key the order names elements by it, as maps; the API server refuses anything else.
            var mergeKey = kind.MergeKeys.GetValueOrDefault(Join(path, field));
            if (mergeKey is not null)
                foreach (var o in order)
                    if (o is not JsonObject m || !m.ContainsKey(mergeKey))
                        return $"{SetOrder}{field}: {o?.ToJsonString() ?? "null"} is not a map with the merge key {mergeKey}";
            if (result[field] is JsonArray list) result[field] = Reorder(list, order, mergeKey);
        }
        if (patch["$retainKeys"] is JsonArray retain)
        {
            if (retain.Any(r => JsonText.Str(r) is null)) return "$retainKeys must be a list of strings";
            var keep = retain.Select(JsonText.Str).ToHashSet();
            foreach (var k in result.Select(kv => kv.Key).ToList())
                if (!keep.Contains(k)) result.Remove(k);
        }
        return null;
    }

    private static string Join(string path, string field) => path.Length == 0 ? field : $"{path}.{field}";

    private static string? MergeList(JsonArray? target, JsonArray patch, string path, KindInfo kind, out JsonArray result)
    {
        if (patch.Any(e => e is JsonObject o && JsonText.Str(o["$patch"]) == "replace"))
        {
            result = new JsonArray(patch.Where(e => !(e is JsonObject o && o["$patch"] is not null)).Select(e => e?.DeepClone()).ToArray());
            return null;
        }
        if (kind.PrimitiveMergeLists.Contains(path))
        {
            result = target?.DeepClone().AsArray() ?? [];
            foreach (var item in patch)
                if (!result.Any(e => JsonNode.DeepEquals(e, item))) result.Add(item?.DeepClone());
            return null;
        }
        if (!kind.MergeKeys.TryGetValue(path, out var mergeKey))
        {
            result = patch.DeepClone().AsArray();
            return null;
        }
        result = target?.DeepClone().AsArray() ?? [];
        foreach (var item in patch)
        {
            if (item is not JsonObject itemPatch) return $"{path}: a list with merge key {mergeKey} holds a non-object";
            if (!itemPatch.TryGetPropertyValue(mergeKey, out var keyValue)) return $"map: {itemPatch.ToJsonString()} does not contain declared merge key: {mergeKey}";
            var index = IndexOf(result, mergeKey, keyValue);
            if (JsonText.Str(itemPatch["$patch"]) == "delete")
            {
                if (index >= 0) result.RemoveAt(index);
                continue;
            }
            var err = MergeObject(index >= 0 ? result[index] as JsonObject : null, itemPatch, path, kind, out var merged);
            if (err is not null) return err;
            if (index >= 0) result[index] = merged; else result.Add(merged);
        }
        return null;
    }

    private static int IndexOf(JsonArray list, string key, JsonNode? value)
    {
        for (var i = 0; i < list.Count; i++)
            if (list[i] is JsonObject o && JsonNode.DeepEquals(o[key], value)) return i;
        return -1;
    }

    private static JsonArray Reorder(JsonArray list, JsonArray order, string? mergeKey)
    {
        var remaining = list.Select(e => e?.DeepClone()).ToList();
        var ordered = new List<JsonNode?>();
        foreach (var o in order)
        {
            var i = remaining.FindIndex(e => mergeKey is null ? JsonNode.DeepEquals(e, o) : JsonNode.DeepEquals(e?[mergeKey], o?[mergeKey]));
            if (i < 0) continue;
            ordered.Add(remaining[i]);
            remaining.RemoveAt(i);
        }
        ordered.AddRange(remaining);
        return new JsonArray([.. ordered]);
    }
}
