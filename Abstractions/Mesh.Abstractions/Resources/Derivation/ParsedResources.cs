using System.Runtime.CompilerServices;
using System.Text.Json;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources.Kinds;

namespace Mesh.Abstractions.Resources.Derivation;

/// <summary>The typed form of a stored resource, parsed once per <see cref="StoredResource"/> instance. A catalog keeps
/// the instances of unchanged resources from one write to the next (<c>ApplyPlanner</c>), so re-deriving a namespace of
/// 2,000 Workloads after one changed parses one document, not 2,000 (the parse was half of each derivation). Weak:
/// an entry lives exactly as long as its StoredResource. Typed resources are immutable records, safe to share.</summary>
internal static class ParsedResources
{
    /// <summary>Null Value: the JSON did not read (or has no name); remembered too, so it is not re-tried every write.</summary>
    private sealed record Entry(MeshResource? Value);

    private static readonly ConditionalWeakTable<StoredResource, Entry> Cache = new();

    public static MeshResource? Of(StoredResource stored) =>
        Cache.GetValue(stored, static r => new Entry(Parse(r))).Value;

    private static MeshResource? Parse(StoredResource r)
    {
        try
        {
            var resource = ResourceJson.Deserialize(r.Kind, r.Json);
            return resource.Metadata.Name.Length > 0 ? resource : null;
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            // Stored JSON that no longer reads (hand-edited storage, an older format) must not stop the
            // rest of the namespace from deriving; the resource simply contributes nothing.
            return null;
        }
    }
}
