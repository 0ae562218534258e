namespace Mesh.Abstractions.Stats;

/// <summary>One row of a report slice: the traffic of one (direction, route, backend, path, tls) combination during
/// one interval. Empty strings mean "not known" (e.g. no route matched).</summary>
[GenerateSerializer, Immutable, Alias("mesh.StatsSample")]
public sealed record StatsSample(
    [property: Id(0)] TrafficDirection Direction,
    [property: Id(1)] string Route,
    [property: Id(2)] string Backend,
    [property: Id(3)] string Path,
    [property: Id(4)] bool Tls,
    [property: Id(5)] GoldenCounters Counters,
    [property: Id(6)] LatencyHistogram Latency);
