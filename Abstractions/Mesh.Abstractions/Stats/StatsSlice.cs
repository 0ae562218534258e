using System.Collections.Immutable;

namespace Mesh.Abstractions.Stats;

/// <summary>The part of one proxy report that concerns one stats grain (one service or one edge). Identified by
/// (<see cref="ProxyId"/>, <see cref="IntervalStartUnixMs"/>): recording the same slice twice counts it once.</summary>
[GenerateSerializer, Immutable, Alias("mesh.StatsSlice")]
public sealed record StatsSlice(
    [property: Id(0)] string ProxyId,
    [property: Id(1)] long IntervalStartUnixMs,
    [property: Id(2)] int IntervalMs,
    /// <summary>The reporting proxy's workload.</summary>
    [property: Id(3)] WorkloadRef Reporter,
    /// <summary>For edges: the peer on the other side (source for inbound slices, destination for outbound ones).</summary>
    [property: Id(4)] EdgeEnds? Edge,
    [property: Id(5)] ImmutableArray<StatsSample> Samples);

/// <summary>A workload and its SPIFFE identity (empty when unmeshed / unknown).</summary>
[GenerateSerializer, Immutable, Alias("mesh.WorkloadRef")]
public sealed record WorkloadRef(
    [property: Id(0)] string Namespace,
    [property: Id(1)] string Workload,
    [property: Id(2)] string Identity);

/// <summary>Both ends of an edge as the reporting proxy saw them.</summary>
[GenerateSerializer, Immutable, Alias("mesh.EdgeEnds")]
public sealed record EdgeEnds(
    /// <summary>Source: the service the calling workload serves ("ns/name"; else "ns/workload"), or empty when the
    /// caller has no proxy.</summary>
    [property: Id(0)] string Source,
    [property: Id(1)] string SourceIdentity,
    /// <summary>Destination service ("ns/name") when the authority names one, else the authority itself.</summary>
    [property: Id(2)] string Destination,
    [property: Id(3)] string DestinationAuthority,
    [property: Id(4)] string DestinationIdentity);
