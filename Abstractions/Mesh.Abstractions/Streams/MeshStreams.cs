namespace Mesh.Abstractions.Grains;

/// <summary>Orleans stream namespaces; the stream key is the grain key ("&lt;ns&gt;/&lt;name&gt;").
/// Items are <see cref="Versioned{T}"/> of the grain's whole value.</summary>
public static class MeshStreams
{
    public const string Services = "mesh.services";
    public const string EndpointSets = "mesh.endpoints";
    public const string Profiles = "mesh.profiles";
    public const string Inbound = "mesh.inbound";
    public const string Addresses = "mesh.addresses";
    public const string Exports = "mesh.exports";
}
