using System.Collections.Immutable;
using Mesh.Abstractions.Stats;

namespace Mesh.Grains.Stats;

/// <summary>Remembers which services and edges have stats and the last status of every proxy. In memory only: after a
/// silo restart it refills as proxies report again (within one report interval). Services and edges unseen for longer
/// than the longest window are forgotten; proxies are kept an hour so `mesh check` can say one stopped reporting.</summary>
internal sealed class StatsDirectoryGrain(TimeProvider time) : Grain, IStatsDirectoryGrain
{
    private static readonly TimeSpan KeyRetention = StatsWindow.Longest + TimeSpan.FromMinutes(1);
    private static readonly TimeSpan ProxyRetention = TimeSpan.FromHours(1);

    private readonly ReportDeduplicator _seen = new(time);
    private readonly Dictionary<string, DateTimeOffset> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ProxyStatus> _proxies = new(StringComparer.Ordinal);

    public Task<bool> ReportedAsync(ProxyStatus status, ImmutableArray<string> statsKeys)
    {
        var now = time.GetUtcNow();
        // Outlive Orleans' idle collection as long as proxies are remembered, so `mesh check` can still name a proxy
        // that stopped reporting.
        DelayDeactivation(ProxyRetention);
        if (!_seen.TryAdd(status.ProxyId, status.IntervalStartUnixMs)) return Task.FromResult(false);
        foreach (var key in statsKeys) _keys[key] = now;
        // A retry of an older interval must not overwrite a newer status.
        if (!_proxies.TryGetValue(status.ProxyId, out var known) || known.IntervalStartUnixMs <= status.IntervalStartUnixMs)
            _proxies[status.ProxyId] = status;
        return Task.FromResult(true);
    }

    public Task<StatsDirectory> GetAsync()
    {
        var now = time.GetUtcNow();
        foreach (var key in _keys.Where(k => now - k.Value > KeyRetention).Select(k => k.Key).ToList()) _keys.Remove(key);
        var oldest = (now - ProxyRetention).ToUnixTimeMilliseconds();
        foreach (var id in _proxies.Values.Where(p => p.LastReportUnixMs < oldest).Select(p => p.ProxyId).ToList()) _proxies.Remove(id);

        var services = _keys.Keys
            .Select(k => StatsKeys.TryParseService(k, out var ns, out var name) ? $"{ns}/{name}" : null)
            .OfType<string>().Order(StringComparer.Ordinal).ToImmutableArray();
        var edges = _keys.Keys.Where(k => k.StartsWith(StatsKeys.EdgePrefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToImmutableArray();
        var proxies = _proxies.Values.OrderBy(p => p.Namespace, StringComparer.Ordinal)
            .ThenBy(p => p.Workload, StringComparer.Ordinal).ThenBy(p => p.ProxyId, StringComparer.Ordinal).ToImmutableArray();
        return Task.FromResult(new StatsDirectory(services, edges, proxies));
    }
}
