namespace Mesh.Abstractions.Grains;

/// <summary>Orleans stream namespaces; the stream key is the grain key ("&lt;ns&gt;/&lt;name&gt;").
/// Items are <see cref="Versioned{T}"/> of the grain's whole value, except on <see cref="EndpointSets"/>.</summary>
public static class MeshStreams
{
    public const string Services = "mesh.services";
    /// <summary>Items are <see cref="Model.EndpointSetChange"/>: deltas against the previous version (a new namespace
    /// name, since the items were whole values under "mesh.endpoints": a silo of the previous release subscribed there
    /// gets nothing rather than items it cannot read, and heals by its periodic re-read).</summary>
    public const string EndpointSets = "mesh.endpoint-changes";
    public const string Profiles = "mesh.profiles";
    public const string Inbound = "mesh.inbound";
    public const string Addresses = "mesh.addresses";
    public const string Exports = "mesh.exports";
}
