using Mesh.Abstractions.Stats;
using Mesh.Names;

namespace Mesh.ControlPlane.Tests.Stats;

public sealed class LatencyHistogramTests
{
    private static readonly double[] Quantiles = [0.5, 0.9, 0.95, 0.99, 0.999];

    /// <summary>Latencies spread over several orders of magnitude, as real traffic is: mostly fast, a slow tail.</summary>
    private static double[] Latencies(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ => random.NextDouble() switch
        {
            < 0.70 => 0.2 + random.NextDouble() * 9,
            < 0.95 => 10 + random.NextDouble() * 290,
            < 0.995 => 300 + random.NextDouble() * 4700,
            _ => 5000 + random.NextDouble() * 60000,
        }).ToArray();

    /// <summary>The exact q-quantile of a sample (nearest rank).</summary>
    private static double Exact(double[] sorted, double q) => sorted[Math.Max(0, (int)Math.Ceiling(q * sorted.Length) - 1)];

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(42)]
    [InlineData(1234)]
    [InlineData(99991)]
    public void Merge_HistogramsOfSeveralProxies_QuantilesMatchUnionWithinBucket(int seed)
    {
        var random = new Random(seed);
        var perProxy = Enumerable.Range(0, 1 + random.Next(6)).Select(_ => Latencies(random, 1 + random.Next(3000))).ToArray();
        var merged = perProxy.Select(LatencyHistogram.FromLatencies).Aggregate(LatencyHistogram.Empty, (a, b) => a.Merge(b));
        var union = perProxy.SelectMany(x => x).Order().ToArray();

        Assert.Equal(LatencyHistogram.FromLatencies(union).Counts.ToArray(), merged.Counts.ToArray());
        Assert.Equal(union.Length, merged.Total);
        foreach (var q in Quantiles)
        {
            var exact = Exact(union, q);
            var estimate = merged.Quantile(q)!.Value;
            var bucket = LatencyBuckets.IndexOf(exact);
            // The documented bucket error: the estimate lies in the exact quantile's bucket (clamped at the last bound).
            Assert.InRange(estimate, LatencyBuckets.LowerMs(bucket), Math.Min(LatencyBuckets.UpperMs(bucket), LatencyBuckets.BoundsMs[^1]));
        }
    }

    [Fact]
    public void Merge_IsCommutativeAndAssociative()
    {
        var random = new Random(5);
        var (a, b, c) = (LatencyHistogram.FromLatencies(Latencies(random, 100)), LatencyHistogram.FromLatencies(Latencies(random, 200)),
            LatencyHistogram.FromLatencies(Latencies(random, 50)));
        Assert.Equal(a.Merge(b).Counts.ToArray(), b.Merge(a).Counts.ToArray());
        Assert.Equal(a.Merge(b).Merge(c).Counts.ToArray(), a.Merge(b.Merge(c)).Counts.ToArray());
    }

    [Fact]
    public void Quantile_AveragedPerProxyPercentiles_DifferFromMergedOnes()
    {
        // Why merge histograms: one fast busy proxy and one slow quiet one. The true p50 is fast; the mean of the two
        // medians is not.
        var fast = LatencyHistogram.FromLatencies(Enumerable.Repeat(2.0, 990));
        var slow = LatencyHistogram.FromLatencies(Enumerable.Repeat(900.0, 10));
        var averaged = (fast.Quantile(0.5)!.Value + slow.Quantile(0.5)!.Value) / 2;
        var merged = fast.Merge(slow).Quantile(0.5)!.Value;
        Assert.InRange(merged, 1, 2);
        Assert.True(averaged > 300, $"averaged p50 {averaged}");
    }

    [Fact]
    public void Quantile_Empty_IsNull() => Assert.Null(LatencyHistogram.Empty.Quantile(0.99));

    [Fact]
    public void Quantile_AllInOneBucket_InterpolatesLinearly()
    {
        // 100 observations in (10, 20]: the p50 is half-way through the bucket.
        var h = LatencyHistogram.FromLatencies(Enumerable.Repeat(15.0, 100));
        Assert.Equal(15, h.Quantile(0.5)!.Value, 6);
        Assert.Equal(20, h.Quantile(1)!.Value, 6);
    }

    [Fact]
    public void Quantile_BeyondLastBound_ClampsToLastBound()
    {
        var h = LatencyHistogram.FromLatencies([120_000.0]);
        Assert.Equal(LatencyBuckets.Count - 1, LatencyBuckets.IndexOf(120_000));
        Assert.Equal(50_000, h.Quantile(0.99));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Quantile_OutOfRange_Throws(double q) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => LatencyHistogram.FromLatencies([1.0]).Quantile(q));

    [Fact]
    public void FromCounts_WrongBucketCount_Throws() =>
        Assert.Throws<ArgumentException>(() => LatencyHistogram.FromCounts(new long[5]));

    [Fact]
    public void IndexOf_BoundIsInclusive() =>
        Assert.Equal((0, 1, 5, 6), (LatencyBuckets.IndexOf(1), LatencyBuckets.IndexOf(1.0001), LatencyBuckets.IndexOf(10), LatencyBuckets.IndexOf(10.5)));
}
