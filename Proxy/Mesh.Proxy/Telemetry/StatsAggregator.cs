using System.Collections.Concurrent;

namespace Mesh.Proxy.Telemetry;

/// <summary>Golden-metric counts per (direction, authority, identities, route, backend) for one report interval;
/// <see cref="Drain"/> swaps in a fresh table so the hot path never waits for the reporter.</summary>
internal sealed class StatsAggregator
{
    public readonly record struct Key(string Direction, string Authority, string SrcIdentity, string DstIdentity, string Route, string Backend);

    public sealed class Cell
    {
        public long Requests;
        public long Successes;
        public long Failures;
        public readonly long[] Buckets = new long[TelemetryNames.LatencyBucketsMs.Length + 1];
    }

    private ConcurrentDictionary<Key, Cell> _cells = new();

    public void Record(in Key key, bool success, double latencyMs)
    {
        var cell = _cells.GetOrAdd(key, static _ => new Cell());
        Interlocked.Increment(ref cell.Requests);
        if (success) Interlocked.Increment(ref cell.Successes); else Interlocked.Increment(ref cell.Failures);
        var bounds = TelemetryNames.LatencyBucketsMs;
        var i = 0;
        while (i < bounds.Length && latencyMs > bounds[i]) i++;
        Interlocked.Increment(ref cell.Buckets[i]);
    }

    /// <summary>Takes everything recorded since the last drain.</summary>
    public IReadOnlyDictionary<Key, Cell> Drain() => Interlocked.Exchange(ref _cells, new ConcurrentDictionary<Key, Cell>());
}
