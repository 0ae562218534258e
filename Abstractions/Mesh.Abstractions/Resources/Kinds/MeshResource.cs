using System.Collections.Immutable;

namespace Mesh.Abstractions.Resources.Kinds;

/// <summary>A typed resource read back from its canonical JSON (<see cref="ResourceJson.Deserialize"/>). Collections
/// are never default: absent lists and maps are empty.</summary>
public abstract record MeshResource
{
    public string ApiVersion { get; init; } = "";
    public string Kind { get; init; } = "";
    public ObjectMeta Metadata { get; init; } = new();
}

/// <summary>The metadata fields the mesh keeps. creationTimestamp (RFC 3339) only orders routes of equal precedence.</summary>
public sealed record ObjectMeta
{
    public string Name { get; init; } = "";
    public string Namespace { get; init; } = MeshNames.DefaultNamespace;
    public ImmutableDictionary<string, string> Labels { get; init; } = ImmutableDictionary<string, string>.Empty;
    public ImmutableDictionary<string, string> Annotations { get; init; } = ImmutableDictionary<string, string>.Empty;
    public DateTimeOffset? CreationTimestamp { get; init; }
}
