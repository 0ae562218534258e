using System.Collections.Concurrent;
using Mesh.Api.V1;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.ControlPlane;
using Mesh.Proxy.Telemetry;

namespace Mesh.Proxy.Outbound;

/// <summary>Shares one watch per authority among all requests, and drops watches nobody used for a while.</summary>
internal sealed class ServiceWatches : IWatchReport, IDisposable
{
    /// <summary>At most this many served-version entries per report (the silo refuses more).</summary>
    internal const int MaxServed = 256;

    private readonly ConcurrentDictionary<string, ServiceWatch> _watches = new(StringComparer.Ordinal);
    private readonly Api.V1.Discovery.DiscoveryClient _client;
    private readonly ProxySettings _settings;
    private readonly ProxyMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _sweeper;

    public ServiceWatches(ProxySettings settings, ControlPlaneChannel controlPlane, ProxyMetrics metrics, TimeProvider time, ILogger<ServiceWatch> logger)
    {
        _settings = settings;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _client = controlPlane.Discovery;
        var period = settings.WatchIdleTimeout < TimeSpan.FromSeconds(30) ? settings.WatchIdleTimeout : TimeSpan.FromSeconds(30);
        _sweeper = time.CreateTimer(_ => Sweep(), null, period, period);
    }

    /// <summary>Raised when any watched service changes (used to rebuild the YARP config).</summary>
    public event Action? Changed;

    public IEnumerable<ServiceWatch> Watches => _watches.Values;

    /// <summary>Returns the watch for an authority, opening it on first use.</summary>
    public ServiceWatch Get(string authority)
    {
        if (_watches.TryGetValue(authority, out var existing))
        {
            existing.Touch();
            return existing;
        }
        var created = new ServiceWatch(authority, _client, _settings.Namespace, _settings.ProxyId, _metrics, _time, _logger);
        var winner = _watches.GetOrAdd(authority, created);
        if (!ReferenceEquals(winner, created))
        {
            created.Dispose();
            winner.Touch();
            return winner;
        }
        created.Changed += _ => Changed?.Invoke();
        created.Start();
        return created;
    }

    /// <summary>Any service watch connected (a proxy without a workload has no inbound watch to say so).</summary>
    bool? IWatchReport.Connected => _watches.Values.Any(w => w.Connected);

    /// <summary>The silo view versions each discovery watch reflects now, for `mesh check` (read once per report, never
    /// on the request path).</summary>
    void IWatchReport.AddTo(StatsReport report)
    {
        foreach (var watch in _watches.Values.OrderBy(w => w.Authority, StringComparer.Ordinal).Take(MaxServed))
        {
            // Watches by address follow whichever workload holds it: no service view to compare with.
            if (watch.State is not { } state || System.Net.IPEndPoint.TryParse(watch.Authority, out _)) continue;
            report.Served.Add(new ServedVersion
            {
                Authority = watch.Authority,
                CanonicalAuthority = state.Exists ? state.CanonicalAuthority : "",
                Exists = state.Exists,
                EndpointsVersion = state.EndpointsVersion,
                ProfileVersion = (long)Math.Min(state.Profile.SourceVersion, long.MaxValue),
                Connected = watch.Connected,
            });
        }
    }

    private void Sweep()
    {
        var now = _time.GetTimestamp();
        var removed = false;
        foreach (var (authority, watch) in _watches)
        {
            if (_time.GetElapsedTime(watch.LastUsedTimestamp, now) < _settings.WatchIdleTimeout) continue;
            if (_watches.TryRemove(new KeyValuePair<string, ServiceWatch>(authority, watch)))
            {
                watch.Dispose();
                removed = true;
            }
        }
        if (removed) Changed?.Invoke();
    }

    public void Dispose()
    {
        _sweeper.Dispose();
        foreach (var w in _watches.Values) w.Dispose();
    }
}
