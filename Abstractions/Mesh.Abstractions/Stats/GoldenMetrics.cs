namespace Mesh.Abstractions.Stats;

/// <summary>The golden metrics of some traffic over a window: what `mesh stat` and the dashboard show.
/// Rates are per second over the whole window; nullable values are null when there was nothing to measure.</summary>
[GenerateSerializer, Immutable, Alias("mesh.GoldenMetrics")]
public sealed record GoldenMetrics(
    [property: Id(0)] long Requests,
    [property: Id(1)] long Successes,
    [property: Id(2)] long Failures,
    /// <summary>Successes / (successes + failures), 0..1.</summary>
    [property: Id(3)] double? SuccessRate,
    [property: Id(4)] double Rps,
    [property: Id(5)] double? LatencyP50Ms,
    [property: Id(6)] double? LatencyP95Ms,
    [property: Id(7)] double? LatencyP99Ms,
    [property: Id(8)] long TcpOpened,
    /// <summary>Connections open now (sum of the latest gauge of every proxy that reported in the window).</summary>
    [property: Id(9)] long TcpOpen,
    [property: Id(10)] long TcpReadBytes,
    [property: Id(11)] long TcpWriteBytes,
    /// <summary>Share of requests (or, without requests, of connections) carried over mTLS, 0..100.</summary>
    [property: Id(12)] double? MtlsPercent)
{
    public static readonly GoldenMetrics None = new(0, 0, 0, null, 0, null, null, null, 0, 0, 0, 0, null);

    /// <summary>True when any traffic was seen.</summary>
    public bool HasTraffic => Requests > 0 || TcpOpened > 0 || TcpOpen > 0;
}

/// <summary>Golden metrics of one named thing (a route, a backend, a path).</summary>
[GenerateSerializer, Immutable, Alias("mesh.NamedMetrics")]
public sealed record NamedMetrics([property: Id(0)] string Name, [property: Id(1)] GoldenMetrics Metrics);

/// <summary>One point of a time series (the dashboard's latency chart): metrics over [end - step, end).</summary>
[GenerateSerializer, Immutable, Alias("mesh.StatsPoint")]
public sealed record StatsPoint(
    [property: Id(0)] long EndUnixMs,
    [property: Id(1)] double Rps,
    [property: Id(2)] double? SuccessRate,
    [property: Id(3)] double? LatencyP50Ms,
    [property: Id(4)] double? LatencyP95Ms,
    [property: Id(5)] double? LatencyP99Ms);
