using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mesh.Grains.Views;

/// <summary>Structural equality for views. Records holding ImmutableArray / ImmutableDictionary compare those by
/// reference, so two equal views built separately are "different"; comparing a canonical JSON form (object
/// properties sorted, dictionaries included) is slower but right, and views are small.</summary>
public static class ViewEquality
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General);

    public static bool Equal<T>(T? a, T? b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a is null || b is null) return false;
        return Canonical(a) == Canonical(b);
    }

    /// <summary>The value as JSON with every object's properties sorted by name (so dictionary order does not matter).</summary>
    public static string Canonical<T>(T value)
    {
        var node = JsonSerializer.SerializeToNode(value, Options);
        return node is null ? "null" : Sort(node).ToJsonString();
    }

    private static JsonNode Sort(JsonNode node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, p.Value is null ? null : Sort(p.Value)))),
        JsonArray a => new JsonArray(a.Select(e => e is null ? null : Sort(e)).ToArray()),
        _ => node.DeepClone(),
    };
}
