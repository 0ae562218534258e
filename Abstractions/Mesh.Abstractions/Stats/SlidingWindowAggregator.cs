using System.Collections.Immutable;
using Mesh.Names;

namespace Mesh.Abstractions.Stats;

/// <summary>Aggregates report samples into fixed time slots (1 s by default) and answers any window up to the retention
/// (10 s, 1 min, 10 min) by merging the slots it covers. Samples are placed by the silo's clock at receipt, not the
/// proxy's: a proxy with a skewed clock still lands in the right window (skew is reported separately, for `mesh check`).
/// Consequence: a proxy should report at least every couple of seconds for the 10 s window to be smooth.
/// Not thread-safe: one owner (a grain) at a time.</summary>
public sealed class SlidingWindowAggregator
{
    /// <summary>Paths kept per answer (the rest are dropped, least called first).</summary>
    public const int MaxPaths = 50;
    /// <summary>Distinct paths kept per slot; further ones are counted under <see cref="OtherPaths"/>, so a client
    /// calling unbounded paths (ids in URLs) cannot grow a grain's memory without bound.</summary>
    public const int MaxPathsPerSlot = 100;
    public const string OtherPaths = "(other)";

    private readonly TimeProvider _time;
    private readonly long _slotMs;
    private readonly long _retentionSlots;
    private readonly Dictionary<long, Dictionary<Dimension, Accumulator>> _slots = new();
    // Latest TCP-open gauge per (proxy, direction); a gauge is summed over proxies, never over time.
    private readonly Dictionary<(string Proxy, TrafficDirection Direction), (long Slot, long Value)> _gauges = new();
    // Earliest time any data covers: rates divide by the time data exists, not the whole window, so a service that
    // started 10 s ago shows its real RPS instead of a sixth of it in the 1 min window.
    private long _firstCoveredMs = long.MaxValue;

    public SlidingWindowAggregator(TimeProvider time, TimeSpan? slot = null, TimeSpan? retention = null)
    {
        _time = time;
        _slotMs = (long)(slot ?? TimeSpan.FromSeconds(1)).TotalMilliseconds;
        if (_slotMs <= 0) throw new ArgumentOutOfRangeException(nameof(slot), "slot must be positive");
        var retentionMs = (long)(retention ?? StatsWindow.Longest).TotalMilliseconds;
        _retentionSlots = Math.Max(1, (retentionMs + _slotMs - 1) / _slotMs);
    }

    public TimeSpan Slot => TimeSpan.FromMilliseconds(_slotMs);

    private long CurrentSlot => _time.GetUtcNow().ToUnixTimeMilliseconds() / _slotMs;

    /// <summary>Adds one proxy's samples of one interval (<paramref name="intervalMs"/> long, ending now) into the
    /// current slot.</summary>
    public void Add(string proxyId, IEnumerable<StatsSample> samples, int intervalMs = 0)
    {
        var now = CurrentSlot;
        Prune(now);
        _firstCoveredMs = Math.Min(_firstCoveredMs, _time.GetUtcNow().ToUnixTimeMilliseconds() - Math.Max(0, intervalMs));
        if (!_slots.TryGetValue(now, out var slot)) _slots[now] = slot = new Dictionary<Dimension, Accumulator>();
        var paths = slot.Keys.Count(k => k.Kind == DimensionKind.Path);

        var open = new Dictionary<TrafficDirection, long>();
        foreach (var sample in samples)
        {
            Get(slot, new Dimension(sample.Direction, DimensionKind.Total, "")).Add(sample);
            // Routes are the clients' view: an HTTPRoute rule is chosen on the outbound side; what an inbound proxy
            // reports as its route is the Server / default authorization policy that admitted the call, not a route.
            if (sample.Route.Length > 0 && sample.Direction == TrafficDirection.Outbound)
                Get(slot, new Dimension(sample.Direction, DimensionKind.Route, sample.Route)).Add(sample);
            if (sample.Backend.Length > 0) Get(slot, new Dimension(sample.Direction, DimensionKind.Backend, sample.Backend)).Add(sample);
            if (sample.Path.Length > 0)
            {
                var path = new Dimension(sample.Direction, DimensionKind.Path, sample.Path);
                if (!slot.ContainsKey(path) && paths >= MaxPathsPerSlot) path = path with { Name = OtherPaths };
                else if (!slot.ContainsKey(path)) paths++;
                Get(slot, path).Add(sample);
            }
            open[sample.Direction] = open.GetValueOrDefault(sample.Direction) + sample.Counters.TcpOpen;
        }
        foreach (var (direction, value) in open) _gauges[(proxyId, direction)] = (now, value);
    }

    /// <summary>Golden metrics over the last <paramref name="window"/> (the current, partial slot included).</summary>
    public WindowAnswer Query(TimeSpan window)
    {
        var now = CurrentSlot;
        Prune(now);
        var slots = SlotsIn(window);
        var merged = Merge(now - slots + 1, now);
        var covered = _time.GetUtcNow().ToUnixTimeMilliseconds() - _firstCoveredMs;
        var seconds = Math.Clamp(covered, _slotMs, slots * _slotMs) / 1000.0;

        GoldenMetrics Side(TrafficDirection d) =>
            merged.TryGetValue(new Dimension(d, DimensionKind.Total, ""), out var a)
                ? a.ToMetrics(seconds, OpenGauge(d, now - slots + 1))
                : GoldenMetrics.None with { TcpOpen = OpenGauge(d, now - slots + 1) };

        var inbound = Side(TrafficDirection.Inbound);
        var outbound = Side(TrafficDirection.Outbound);
        return new WindowAnswer(
            inbound.HasTraffic || !outbound.HasTraffic ? inbound : outbound,
            inbound, outbound,
            Named(merged, DimensionKind.Route, seconds, int.MaxValue),
            Named(merged, DimensionKind.Backend, seconds, int.MaxValue),
            Named(merged, DimensionKind.Path, seconds, MaxPaths));
    }

    /// <summary>A time series over the window in steps (server's view preferred per step, as in <see cref="Query"/>).</summary>
    public ImmutableArray<StatsPoint> Series(TimeSpan window, TimeSpan step)
    {
        var now = CurrentSlot;
        Prune(now);
        var stepSlots = Math.Max(1, (long)step.TotalMilliseconds / _slotMs);
        var points = Math.Max(1, SlotsIn(window) / stepSlots);
        var seconds = stepSlots * _slotMs / 1000.0;
        var result = ImmutableArray.CreateBuilder<StatsPoint>((int)points);
        for (var p = points - 1; p >= 0; p--)
        {
            var last = now - p * stepSlots;
            var merged = Merge(last - stepSlots + 1, last);
            merged.TryGetValue(new Dimension(TrafficDirection.Inbound, DimensionKind.Total, ""), out var inbound);
            merged.TryGetValue(new Dimension(TrafficDirection.Outbound, DimensionKind.Total, ""), out var outbound);
            var side = inbound is { Requests: > 0 } || outbound is null ? inbound : outbound;
            var m = side?.ToMetrics(seconds, 0) ?? GoldenMetrics.None;
            result.Add(new StatsPoint((last + 1) * _slotMs, m.Rps, m.SuccessRate, m.LatencyP50Ms, m.LatencyP95Ms, m.LatencyP99Ms));
        }
        return result.MoveToImmutable();
    }

    private long SlotsIn(TimeSpan window)
    {
        var slots = ((long)window.TotalMilliseconds + _slotMs - 1) / _slotMs;
        if (slots <= 0) throw new ArgumentOutOfRangeException(nameof(window), window, "window must be positive");
        return Math.Min(slots, _retentionSlots);
    }

    private Dictionary<Dimension, Accumulator> Merge(long firstSlot, long lastSlot)
    {
        var merged = new Dictionary<Dimension, Accumulator>();
        foreach (var (index, slot) in _slots)
        {
            if (index < firstSlot || index > lastSlot) continue;
            foreach (var (dimension, accumulator) in slot) Get(merged, dimension).Add(accumulator);
        }
        return merged;
    }

    private long OpenGauge(TrafficDirection direction, long firstSlot)
    {
        long sum = 0;
        foreach (var ((_, d), (slot, value)) in _gauges)
            if (d == direction && slot >= firstSlot) sum += value;
        return sum;
    }

    private static ImmutableArray<NamedMetrics> Named(Dictionary<Dimension, Accumulator> merged, DimensionKind kind, double seconds, int limit)
    {
        // Per kind, the server's view when it has any entries of that kind, else the clients'.
        var side = merged.Keys.Any(k => k.Kind == kind && k.Direction == TrafficDirection.Inbound)
            ? TrafficDirection.Inbound : TrafficDirection.Outbound;
        return merged
            .Where(e => e.Key.Kind == kind && e.Key.Direction == side)
            .OrderByDescending(e => e.Value.Requests).ThenBy(e => e.Key.Name, StringComparer.Ordinal)
            .Take(limit)
            .Select(e => new NamedMetrics(e.Key.Name, e.Value.ToMetrics(seconds, 0)))
            .ToImmutableArray();
    }

    private void Prune(long now)
    {
        var oldest = now - _retentionSlots;
        if (_slots.Count > 0 && _slots.Keys.All(i => i <= oldest)) _firstCoveredMs = long.MaxValue; // all data expired: start over
        foreach (var index in _slots.Keys.Where(i => i <= oldest).ToList()) _slots.Remove(index);
        foreach (var key in _gauges.Where(g => g.Value.Slot <= oldest).Select(g => g.Key).ToList()) _gauges.Remove(key);
    }

    private static Accumulator Get(Dictionary<Dimension, Accumulator> map, Dimension key)
    {
        if (!map.TryGetValue(key, out var a)) map[key] = a = new Accumulator();
        return a;
    }

    private enum DimensionKind { Total, Route, Backend, Path }

    private readonly record struct Dimension(TrafficDirection Direction, DimensionKind Kind, string Name);

    /// <summary>Mutable sums of one dimension in one slot (or of a merge of slots).</summary>
    private sealed class Accumulator
    {
        public long Requests, Successes, Failures, TcpOpened, TcpReadBytes, TcpWriteBytes, TlsRequests, PlainRequests, TlsConnections;
        public readonly long[] Buckets = new long[LatencyBuckets.Count];

        public void Add(StatsSample s)
        {
            var c = s.Counters;
            Requests += c.Requests; Successes += c.Successes; Failures += c.Failures;
            TcpOpened += c.TcpOpened; TcpReadBytes += c.TcpReadBytes; TcpWriteBytes += c.TcpWriteBytes;
            TlsRequests += c.TlsRequests; PlainRequests += c.PlainRequests; TlsConnections += c.TlsConnections;
            s.Latency.AddTo(Buckets);
        }

        public void Add(Accumulator o)
        {
            Requests += o.Requests; Successes += o.Successes; Failures += o.Failures;
            TcpOpened += o.TcpOpened; TcpReadBytes += o.TcpReadBytes; TcpWriteBytes += o.TcpWriteBytes;
            TlsRequests += o.TlsRequests; PlainRequests += o.PlainRequests; TlsConnections += o.TlsConnections;
            for (var i = 0; i < Buckets.Length; i++) Buckets[i] += o.Buckets[i];
        }

        public GoldenMetrics ToMetrics(double seconds, long tcpOpen)
        {
            var classified = Successes + Failures;
            double? mtls = TlsRequests + PlainRequests > 0 ? 100.0 * TlsRequests / (TlsRequests + PlainRequests)
                : TcpOpened > 0 ? 100.0 * Math.Min(TlsConnections, TcpOpened) / TcpOpened : null;
            return new GoldenMetrics(
                Requests, Successes, Failures,
                classified > 0 ? (double)Successes / classified : null,
                seconds > 0 ? Requests / seconds : 0,
                LatencyHistogram.QuantileOf(Buckets, 0.50),
                LatencyHistogram.QuantileOf(Buckets, 0.95),
                LatencyHistogram.QuantileOf(Buckets, 0.99),
                TcpOpened, tcpOpen, TcpReadBytes, TcpWriteBytes, mtls);
        }
    }
}

/// <summary>The aggregator's answer for one window; see <see cref="StatsSummary"/> for the meaning of each part.</summary>
public sealed record WindowAnswer(
    GoldenMetrics Metrics,
    GoldenMetrics Inbound,
    GoldenMetrics Outbound,
    ImmutableArray<NamedMetrics> Routes,
    ImmutableArray<NamedMetrics> Backends,
    ImmutableArray<NamedMetrics> Paths);
