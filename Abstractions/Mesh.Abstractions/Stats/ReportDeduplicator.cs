namespace Mesh.Abstractions.Stats;

/// <summary>Remembers recently recorded (proxy, interval start) keys so a retried report is counted once. Bounded
/// both in count and age: a key is forgotten after <c>retention</c> or when <c>capacity</c> newer keys arrived, which
/// is far longer than any proxy retries a report. Not thread-safe: one owner (a grain) at a time.</summary>
public sealed class ReportDeduplicator(TimeProvider time, int capacity = 16_384, TimeSpan? retention = null)
{
    private readonly TimeSpan _retention = retention ?? StatsWindow.Longest + TimeSpan.FromMinutes(5);
    private readonly HashSet<(string Proxy, long IntervalStart)> _seen = new();
    private readonly Queue<((string Proxy, long IntervalStart) Key, DateTimeOffset At)> _order = new();

    public int Count => _seen.Count;

    /// <summary>True the first time a key is seen (record it), false for a repeat (skip it).</summary>
    public bool TryAdd(string proxyId, long intervalStartUnixMs)
    {
        var now = time.GetUtcNow();
        while (_order.Count > 0 && (_order.Count >= capacity || now - _order.Peek().At > _retention))
            _seen.Remove(_order.Dequeue().Key);
        var key = (proxyId, intervalStartUnixMs);
        if (!_seen.Add(key)) return false;
        _order.Enqueue((key, now));
        return true;
    }
}
