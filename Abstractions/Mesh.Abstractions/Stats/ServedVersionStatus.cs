namespace Mesh.Abstractions.Stats;

/// <summary>The silo view versions one of a proxy's discovery watches reflected at its last report (for `mesh check`).</summary>
[GenerateSerializer, Immutable, Alias("mesh.ServedVersionStatus")]
public sealed record ServedVersionStatus(
    /// <summary>The authority as the proxy watches it.</summary>
    [property: Id(0)] string Authority,
    /// <summary>"name.ns.svc.cluster.local:port" (empty when discovery said it is not a mesh service).</summary>
    [property: Id(1)] string CanonicalAuthority,
    [property: Id(2)] bool Exists,
    [property: Id(3)] long EndpointsVersion,
    [property: Id(4)] long ProfileVersion,
    [property: Id(5)] bool Connected);
