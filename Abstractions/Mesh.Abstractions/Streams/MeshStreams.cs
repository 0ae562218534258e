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
    /// <summary>Items are <see cref="Model.ViewPartitionChange{T}"/> of inbound policies, one stream per
    /// <see cref="MeshNames.InboundPartition"/> (was one stream per workload under "mesh.inbound").</summary>
    public const string InboundPartitions = "mesh.inbound-partitions";
    /// <summary>Items are <see cref="Model.ViewPartitionChange{T}"/> of address views, one stream per
    /// <see cref="MeshNames.AddressPartition"/> (was one stream per address under "mesh.addresses").</summary>
    public const string AddressPartitions = "mesh.address-partitions";
    public const string Exports = "mesh.exports";
}
