using System.Collections.Concurrent;
using Grpc.Net.Client;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Inbound;
using Mesh.Proxy.Telemetry;

namespace Mesh.Proxy.Outbound;

/// <summary>Shares one watch per authority among all requests, and drops watches nobody used for a while.</summary>
internal sealed class DiscoveryClient : IDisposable
{
    private readonly ConcurrentDictionary<string, ServiceWatch> _watches = new(StringComparer.Ordinal);
    private readonly GrpcChannel _channel;
    private readonly Api.V1.Discovery.DiscoveryClient _client;
    private readonly ProxySettings _settings;
    private readonly ProxyMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ITimer _sweeper;
    private readonly CompiledInboundPolicy _unregistered;

    public DiscoveryClient(ProxySettings settings, ProxyMetrics metrics, InboundPolicyCompiler compiler, TimeProvider time, ILoggerFactory loggers)
    {
        _settings = settings;
        _metrics = metrics;
        _time = time;
        // https:// = mesh TLS to the silo's identity under our trust anchors; http:// = h2c (development, fakes).
        var (address, handler) = Mesh.Tls.Client.ControlPlaneConnection.Create(settings.ControlAddress,
            Mesh.Tls.Client.ControlPlaneConnection.LoadTrust(settings.TrustAnchorsPath));
        handler.ConnectTimeout = TimeSpan.FromSeconds(3);
        handler.KeepAlivePingDelay = TimeSpan.FromSeconds(10);
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler });
        _client = new Api.V1.Discovery.DiscoveryClient(_channel);
        _unregistered = compiler.Compile(new Api.V1.InboundPolicy { Exists = false });
        if (settings.Workload.Length > 0)
            Inbound = new InboundPolicyWatch(_client, settings.Namespace, settings.Workload, settings.ProxyId, compiler, metrics, time,
                loggers.CreateLogger<InboundPolicyWatch>());
        var period = settings.WatchIdleTimeout < TimeSpan.FromSeconds(30) ? settings.WatchIdleTimeout : TimeSpan.FromSeconds(30);
        _sweeper = time.CreateTimer(_ => Sweep(), null, period, period);
    }

    /// <summary>The control-plane channel (shared with Identity and Telemetry clients).</summary>
    public GrpcChannel Channel => _channel;

    /// <summary>The watch of this proxy's own inbound policy, or null when no workload is configured.</summary>
    public InboundPolicyWatch? Inbound { get; }

    /// <summary>The inbound policy in force: the control plane's for this workload (the last one it knew, kept through
    /// outages and exists=false), the proxy's --default-inbound-policy before that or when no workload is configured.
    /// The one source for inbound HTTP, opaque TCP and the gateway.</summary>
    public CompiledInboundPolicy InboundPolicy => Inbound?.Policy ?? _unregistered;

    /// <summary>Raised when any watched service changes (used to rebuild the YARP config).</summary>
    public event Action? Changed;

    public IEnumerable<ServiceWatch> Watches => _watches.Values;

    public void Start() => Inbound?.Start();

    /// <summary>Returns the watch for an authority, opening it on first use.</summary>
    public ServiceWatch Get(string authority)
    {
        if (_watches.TryGetValue(authority, out var existing))
        {
            existing.Touch();
            return existing;
        }
        var created = new ServiceWatch(authority, _client, _settings.Namespace, _settings.ProxyId, _metrics, _time);
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
        Inbound?.Dispose();
        _channel.Dispose();
    }
}
