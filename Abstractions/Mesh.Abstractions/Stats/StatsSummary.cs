using System.Collections.Immutable;

namespace Mesh.Abstractions.Stats;

/// <summary>What one stats grain answers for a window. <see cref="Metrics"/> is the server's view (inbound side)
/// when the destination's own proxy reported, else the clients' view (outbound side): counting both would count every
/// meshed request twice. Routes, backends and paths follow the same rule per kind.</summary>
[GenerateSerializer, Immutable, Alias("mesh.StatsSummary")]
public sealed record StatsSummary(
    [property: Id(0)] string Key,
    [property: Id(1)] TimeSpan Window,
    [property: Id(2)] GoldenMetrics Metrics,
    [property: Id(3)] GoldenMetrics Inbound,
    [property: Id(4)] GoldenMetrics Outbound,
    [property: Id(5)] ImmutableArray<NamedMetrics> Routes,
    [property: Id(6)] ImmutableArray<NamedMetrics> Backends,
    /// <summary>Most-called paths first, at most <see cref="SlidingWindowAggregator.MaxPaths"/>.</summary>
    [property: Id(7)] ImmutableArray<NamedMetrics> Paths,
    /// <summary>For edge grains: the ends as last reported.</summary>
    [property: Id(8)] EdgeEnds? Edge,
    /// <summary>Silo time of the last recorded slice (0 if none).</summary>
    [property: Id(9)] long LastRecordUnixMs);
