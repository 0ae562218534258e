using System.Collections.Concurrent;

namespace Mesh.Proxy.Reporting;

/// <summary>Golden-metric counters since the last report, keyed by traffic dimensions. The request path calls
/// <see cref="Response"/> (lock-free: one dictionary lookup, a few interlocked adds); the reporter swaps the whole
/// interval out with <see cref="Drain"/>.</summary>
internal sealed class TrafficAccumulator
{
    /// <summary>Distinct paths kept per interval before further paths are counted under "" (bounded cardinality).</summary>
    public const int MaxPathsPerInterval = 256;

    /// <summary>Linkerd's response_latency_ms bucket bounds (ms); a last bucket counts everything above.</summary>
    public static readonly double[] LatencyBoundsMs = [1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 100, 200, 300, 400, 500, 1000, 2000, 3000, 4000, 5000, 10000, 20000, 30000, 40000, 50000];

    private ConcurrentDictionary<TrafficKey, TrafficCell> cells = new();
    private int paths;

    public void Response(string direction, string authority, string peerIdentity, string route, string backend, bool tls, string? path,
        bool success, double latencyMs)
    {
        var key = new TrafficKey(direction, authority, peerIdentity, route, backend, tls, path ?? "");
        var current = cells;
        if (!current.TryGetValue(key, out var cell))
        {
            // A new path beyond the cap is counted without its path: the interval's key set stays bounded.
            if (key.Path.Length > 0 && Interlocked.Increment(ref paths) > MaxPathsPerInterval) key = key with { Path = "" };
            cell = current.GetOrAdd(key, static _ => new TrafficCell());
        }
        Interlocked.Increment(ref cell.Requests);
        if (success) Interlocked.Increment(ref cell.Successes);
        else Interlocked.Increment(ref cell.Failures);
        Interlocked.Increment(ref cell.Latency[Bucket(latencyMs)]);
    }

    public void TcpOpened(string direction, string authority, string peerIdentity, bool tls)
    {
        var cell = cells.GetOrAdd(new TrafficKey(direction, authority, peerIdentity, "", "", tls, ""), static _ => new TrafficCell());
        Interlocked.Increment(ref cell.TcpOpened);
    }

    public void TcpBytes(string direction, string authority, string peerIdentity, bool tls, long read, long written)
    {
        var cell = cells.GetOrAdd(new TrafficKey(direction, authority, peerIdentity, "", "", tls, ""), static _ => new TrafficCell());
        Interlocked.Add(ref cell.TcpRead, read);
        Interlocked.Add(ref cell.TcpWritten, written);
    }

    /// <summary>Takes everything counted so far and starts a new interval.</summary>
    public IReadOnlyList<KeyValuePair<TrafficKey, TrafficCell>> Drain()
    {
        var old = Interlocked.Exchange(ref cells, new ConcurrentDictionary<TrafficKey, TrafficCell>());
        Interlocked.Exchange(ref paths, 0);
        return old.ToArray();
    }

    private static int Bucket(double ms)
    {
        var bounds = LatencyBoundsMs;
        for (var i = 0; i < bounds.Length; i++)
            if (ms <= bounds[i]) return i;
        return bounds.Length;
    }
}

/// <summary>The dimensions one traffic cell is counted under.</summary>
internal readonly record struct TrafficKey(string Direction, string Authority, string PeerIdentity, string Route, string Backend, bool Tls, string Path);

/// <summary>Counters of one cell; fields are updated with Interlocked.</summary>
internal sealed class TrafficCell
{
    public long Requests, Successes, Failures, TcpOpened, TcpRead, TcpWritten;
    public readonly long[] Latency = new long[TrafficAccumulator.LatencyBoundsMs.Length + 1];
}
