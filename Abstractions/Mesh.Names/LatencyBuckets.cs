using System.Collections.Immutable;

namespace Mesh.Names;

/// <summary>The fixed latency bucket upper bounds (ms) every proxy and grain uses: Linkerd's `response_latency_ms`
/// buckets, plus a final +Inf bucket. Fixed bounds are what make histograms from different proxies mergeable by
/// adding counts bucket by bucket.</summary>
public static class LatencyBuckets
{
    /// <summary>Finite upper bounds in ms, ascending. Bucket i holds latencies in (bound[i-1], bound[i]]; bucket 0
    /// holds (0, 1]; the last bucket (index <see cref="Count"/> - 1) holds everything above 50 000 ms.</summary>
    public static readonly ImmutableArray<double> BoundsMs =
    [
        1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 100, 200, 300, 400, 500,
        1000, 2000, 3000, 4000, 5000, 10000, 20000, 30000, 40000, 50000,
    ];

    /// <summary>Number of buckets including +Inf (26).</summary>
    public static int Count => BoundsMs.Length + 1;

    /// <summary>The bucket a latency falls into (upper bounds are inclusive, as in Prometheus).</summary>
    public static int IndexOf(double latencyMs)
    {
        for (var i = 0; i < BoundsMs.Length; i++)
            if (latencyMs <= BoundsMs[i]) return i;
        return BoundsMs.Length;
    }

    /// <summary>Lower edge of a bucket (0 for the first).</summary>
    public static double LowerMs(int bucket) => bucket == 0 ? 0 : BoundsMs[bucket - 1];

    /// <summary>Upper edge of a bucket; +Inf for the last.</summary>
    public static double UpperMs(int bucket) => bucket < BoundsMs.Length ? BoundsMs[bucket] : double.PositiveInfinity;

    /// <summary>True when the given bounds are exactly ours (a report carrying other bounds cannot be merged).</summary>
    public static bool AreStandard(IReadOnlyList<double> bounds)
    {
        if (bounds.Count != BoundsMs.Length) return false;
        for (var i = 0; i < bounds.Count; i++)
            if (bounds[i] != BoundsMs[i]) return false;
        return true;
    }
}
