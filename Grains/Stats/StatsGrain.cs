using System.Collections.Immutable;
using Mesh.Abstractions.Stats;

namespace Mesh.Grains.Stats;

/// <summary>Golden metrics of one service or edge: dedups slices per (proxy, interval) and feeds a sliding-window
/// aggregator. In memory only (stats are soft state); an idle grain is collected after Orleans' idle age, which is longer
/// than the longest window, so nothing still visible is lost that way.</summary>
internal sealed class StatsGrain(TimeProvider time) : Grain, IStatsGrain
{
    private readonly SlidingWindowAggregator _window = new(time);
    private readonly ReportDeduplicator _seen = new(time);
    private EdgeEnds? _edge;
    private long _lastRecordUnixMs;

    public Task<bool> RecordAsync(StatsSlice slice)
    {
        if (!_seen.TryAdd(slice.ProxyId, slice.IntervalStartUnixMs)) return Task.FromResult(false);
        _window.Add(slice.ProxyId, slice.Samples, slice.IntervalMs);
        _edge = slice.Edge ?? _edge;
        _lastRecordUnixMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        return Task.FromResult(true);
    }

    public Task<StatsSummary> GetAsync(TimeSpan window)
    {
        var answer = _window.Query(window);
        return Task.FromResult(new StatsSummary(
            this.GetPrimaryKeyString(), window, answer.Metrics, answer.Inbound, answer.Outbound,
            answer.Routes, answer.Backends, answer.Paths, _edge, _lastRecordUnixMs));
    }

    public Task<ImmutableArray<StatsPoint>> GetSeriesAsync(TimeSpan window, TimeSpan step) =>
        Task.FromResult(_window.Series(window, step));
}
