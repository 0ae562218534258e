using System.Collections.Immutable;

namespace Mesh.Abstractions.Model;

/// <summary>Namespace → the names of its Services that carry an export label, sorted. A candidate list only: the
/// federation API checks each Service's labels again before a peer sees it.</summary>
[GenerateSerializer, Immutable, Alias("mesh.ExportDirectoryView")]
public sealed record ExportDirectoryView(
    [property: Id(0)] ImmutableDictionary<string, ImmutableArray<string>> Namespaces)
{
    public static ExportDirectoryView Empty { get; } = new(ImmutableDictionary<string, ImmutableArray<string>>.Empty);

    /// <summary>Every candidate as a grain key "&lt;ns&gt;/&lt;name&gt;".</summary>
    public IEnumerable<string> Keys => Namespaces.SelectMany(n => n.Value.Select(s => MeshNames.Key(n.Key, s)));
}
