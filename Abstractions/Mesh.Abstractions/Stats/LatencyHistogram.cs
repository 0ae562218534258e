using System.Collections.Immutable;
using Mesh.Names;

namespace Mesh.Abstractions.Stats;

/// <summary>A mergeable latency histogram over <see cref="LatencyBuckets"/>: counts per bucket. Merging two histograms
/// adds their counts, so the quantiles of a merge are the quantiles of the union of the observations — unlike averaging
/// per-proxy percentiles, which is wrong.
/// <para>Bucket error: <see cref="Quantile"/> only knows which bucket the q-th observation is in and interpolates
/// linearly inside it, so the estimate always lies in the same bucket as the exact quantile and is off by at most that
/// bucket's width (e.g. ≤ 1 ms below 5 ms, ≤ 50 ms between 50 and 100 ms, ≤ 5 s between 5 and 10 s). Above 50 s the
/// +Inf bucket has no upper edge and the estimate is clamped to 50 000 ms.</para></summary>
[GenerateSerializer, Immutable, Alias("mesh.LatencyHistogram")]
public sealed record LatencyHistogram([property: Id(0)] ImmutableArray<long> Counts)
{
    public static readonly LatencyHistogram Empty = new(ImmutableArray.Create(new long[LatencyBuckets.Count]));

    /// <summary>Builds a histogram from raw latencies (ms); used by proxies' tests and ours.</summary>
    public static LatencyHistogram FromLatencies(IEnumerable<double> latenciesMs)
    {
        var counts = new long[LatencyBuckets.Count];
        foreach (var ms in latenciesMs) counts[LatencyBuckets.IndexOf(ms)]++;
        return new LatencyHistogram(ImmutableArray.Create(counts));
    }

    /// <summary>Builds a histogram from per-bucket counts; the array must have <see cref="LatencyBuckets.Count"/> entries.</summary>
    public static LatencyHistogram FromCounts(IReadOnlyList<long> counts)
    {
        if (counts.Count != LatencyBuckets.Count)
            throw new ArgumentException($"a latency histogram has {LatencyBuckets.Count} buckets, got {counts.Count}", nameof(counts));
        if (counts.Any(c => c < 0)) throw new ArgumentException("bucket counts cannot be negative", nameof(counts));
        return new LatencyHistogram(counts.ToImmutableArray());
    }

    /// <summary>Total observations.</summary>
    public long Total => Counts.IsDefault ? 0 : Counts.Sum();

    /// <summary>Adds the other histogram's counts to this one's.</summary>
    public LatencyHistogram Merge(LatencyHistogram other)
    {
        var merged = new long[LatencyBuckets.Count];
        AddTo(merged);
        other.AddTo(merged);
        return new LatencyHistogram(ImmutableArray.Create(merged));
    }

    /// <summary>Adds this histogram's counts into an accumulator of <see cref="LatencyBuckets.Count"/> entries.</summary>
    public void AddTo(Span<long> accumulator)
    {
        if (Counts.IsDefault) return;
        for (var i = 0; i < Counts.Length; i++) accumulator[i] += Counts[i];
    }

    /// <summary>The q-quantile (0 ≤ q ≤ 1) in ms, or null when there are no observations. See the type's remarks for
    /// the bucket error.</summary>
    public double? Quantile(double q) => Counts.IsDefault ? null : QuantileOf(Counts.AsSpan(), q);

    /// <summary>Quantile over raw bucket counts: find the bucket holding rank q·total, interpolate linearly in it
    /// (Prometheus' <c>histogram_quantile</c> rule).</summary>
    public static double? QuantileOf(ReadOnlySpan<long> counts, double q)
    {
        if (q is < 0 or > 1 || double.IsNaN(q)) throw new ArgumentOutOfRangeException(nameof(q), q, "quantile must be within [0, 1]");
        long total = 0;
        foreach (var c in counts) total += c;
        if (total == 0) return null;

        var rank = q * total;
        long before = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            var inBucket = counts[i];
            if (inBucket == 0 || before + inBucket < rank) { before += inBucket; continue; }
            if (i == counts.Length - 1) return LatencyBuckets.BoundsMs[^1];
            var lower = LatencyBuckets.LowerMs(i);
            var upper = LatencyBuckets.UpperMs(i);
            return lower + (upper - lower) * ((rank - before) / inBucket);
        }
        return LatencyBuckets.BoundsMs[^1];
    }
}
