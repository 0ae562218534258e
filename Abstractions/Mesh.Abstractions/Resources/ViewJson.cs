using System.Collections.Immutable;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Mesh.Abstractions.Resources;

/// <summary>Deterministic JSON of derived views (camelCase, enums as names, dictionary keys sorted), for goldens,
/// `describe` output and logs. Two views with equal content give equal text.</summary>
public static class ViewJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Serialize<T>(T value) => Sort(JsonSerializer.SerializeToNode(value, Options))?.ToJsonString(Options) ?? "null";

    /// <summary>Sorts object keys that came from dictionaries (and record properties, harmlessly) so the text does not
    /// depend on hash order.</summary>
    private static JsonNode? Sort(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, Sort(p.Value?.DeepClone())))),
        JsonArray a => new JsonArray([.. a.Select(i => Sort(i?.DeepClone()))]),
        _ => node?.DeepClone(),
    };

    /// <summary>A whole namespace's views, keyed and sorted by name.</summary>
    public static string Serialize(DerivedNamespace derived)
    {
        var views = new SortedDictionary<string, object>(StringComparer.Ordinal)
        {
            ["services"] = derived.Services.ToImmutableSortedDictionary(StringComparer.Ordinal),
            ["endpoints"] = derived.EndpointSets.ToImmutableSortedDictionary(StringComparer.Ordinal),
            ["profiles"] = derived.Profiles.ToImmutableSortedDictionary(StringComparer.Ordinal),
            ["inbound"] = derived.Inbound.ToImmutableSortedDictionary(StringComparer.Ordinal),
        };
        // Only namespaces with consumer routes show the key, so goldens without any stay as they were.
        if (!derived.ConsumerProfiles.IsEmpty) views["consumerProfiles"] = derived.ConsumerProfiles.ToImmutableSortedDictionary(StringComparer.Ordinal);
        if (!derived.ServiceAddresses.IsEmpty) views["serviceAddresses"] = derived.ServiceAddresses.ToImmutableSortedDictionary(StringComparer.Ordinal);
        return Serialize(views);
    }
}
