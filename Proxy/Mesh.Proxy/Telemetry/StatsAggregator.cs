using Mesh.Names;
using System.Collections.Concurrent;

namespace Mesh.Proxy.Telemetry;

/// <summary>Golden-metric counts per (direction, authority, identities, route, backend) for one report interval;
/// <see cref="Drain"/> swaps in a fresh table so the hot path never waits for the reporter.</summary>
internal sealed class StatsAggregator
{
    /// <summary>What one cell counts. <c>Plaintext</c>: the request reached an endpoint without mesh TLS; requests that
    /// never reached one (no endpoint, cancelled) are neither plaintext nor mTLS and must not mark an edge insecure.</summary>
    public readonly record struct Key(string Direction, string Authority, string SrcIdentity, string DstIdentity, string Route, string Backend, string Path = "", bool Plaintext = false);

    /// <summary>Distinct request paths kept per interval (for `mesh top`); later new paths are counted without one.</summary>
    public const int MaxPathsPerInterval = 256;

    public sealed class Cell
    {
        public long Requests;
        public long Successes;
        public long Failures;
        public readonly long[] Buckets = new long[LatencyBuckets.Count];
    }

    private ConcurrentDictionary<Key, Cell> _cells = new();
    private int _paths;
    private long _inboundOpenedTls, _inboundOpenedPlain, _inboundOpen;

    /// <summary>Inbound connections open now (a gauge: not reset by a drain).</summary>
    public long InboundOpen => Volatile.Read(ref _inboundOpen);

    /// <param name="tls">Whether the connection arrived over mesh TLS (plaintext where policy allows, or dev mode).</param>
    public void InboundConnectionOpened(bool tls)
    {
        Interlocked.Increment(ref tls ? ref _inboundOpenedTls : ref _inboundOpenedPlain);
        Interlocked.Increment(ref _inboundOpen);
    }

    public void InboundConnectionClosed() => Interlocked.Decrement(ref _inboundOpen);

    /// <summary>Takes the inbound connections opened since the last call, over mesh TLS and in plaintext.</summary>
    public (long Tls, long Plaintext) DrainInboundOpened() =>
        (Interlocked.Exchange(ref _inboundOpenedTls, 0), Interlocked.Exchange(ref _inboundOpenedPlain, 0));

    public void Record(Key key, bool success, double latencyMs)
    {
        var cells = _cells;
        if (!cells.TryGetValue(key, out var cell))
        {
            // Keeps the key set bounded whatever paths clients send.
            if (key.Path.Length > 0 && Interlocked.Increment(ref _paths) > MaxPathsPerInterval) key = key with { Path = "" };
            cell = cells.GetOrAdd(key, static _ => new Cell());
        }
        Interlocked.Increment(ref cell.Requests);
        if (success) Interlocked.Increment(ref cell.Successes); else Interlocked.Increment(ref cell.Failures);
        Interlocked.Increment(ref cell.Buckets[LatencyBuckets.IndexOf(latencyMs)]);
    }

    /// <summary>Takes everything recorded since the last drain.</summary>
    public IReadOnlyDictionary<Key, Cell> Drain()
    {
        var drained = Interlocked.Exchange(ref _cells, new ConcurrentDictionary<Key, Cell>());
        Interlocked.Exchange(ref _paths, 0);
        return drained;
    }
}
