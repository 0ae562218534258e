using System.Collections.Immutable;
using System.Globalization;
using Mesh.Api.V1;
using Endpoint = Mesh.Api.V1.Endpoint;
using Mesh.Proxy.Outbound.Resilience;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;

namespace Mesh.Proxy.Outbound;

/// <summary>Translates the discovery state into YARP config: one cluster per concrete service, one destination per endpoint.</summary>
/// <remarks>Mapping (in one place): logical service → our routing stage; concrete service (backend authority) → YARP Cluster
/// (id = authority); endpoint → YARP Destination (id = "address:port"). Rebuilt whole and swapped on every discovery change.</remarks>
internal sealed class MeshConfigProvider : IProxyConfigProvider
{
    public const string RouteId = "mesh-outbound";
    public const string UnroutedClusterId = "mesh-unrouted";

    private readonly Lock _gate = new();
    private readonly ServiceWatches _discovery;
    private readonly ClusterRegistry _registry;
    private Snapshot _current;

    public MeshConfigProvider(ServiceWatches discovery, ClusterRegistry registry)
    {
        _discovery = discovery;
        _registry = registry;
        _current = Build();
        discovery.Changed += Rebuild;
    }

    public IProxyConfig GetConfig() => Volatile.Read(ref _current);

    /// <summary>Rebuilds from all watches and signals YARP.</summary>
    public void Rebuild()
    {
        Snapshot previous;
        lock (_gate)
        {
            previous = _current;
            Volatile.Write(ref _current, Build());
        }
        previous.SignalChanged();
    }

    private Snapshot Build()
    {
        var clusters = new List<ClusterConfig> { new() { ClusterId = UnroutedClusterId } };
        var accrual = ImmutableDictionary.CreateBuilder<string, FailureAccrualSettings>(StringComparer.Ordinal);
        foreach (var watch in _discovery.Watches)
        {
            if (watch.State is not { Exists: true } state) continue;
            clusters.Add(ToCluster(watch.Authority, state));
            accrual[watch.Authority] = state.Routes.Accrual;
        }
        _registry.SetAccrual(accrual.ToImmutable());
        var route = new RouteConfig { RouteId = RouteId, ClusterId = UnroutedClusterId, Match = new Yarp.ReverseProxy.Configuration.RouteMatch { Path = "/{**catch-all}" } };
        return new Snapshot([route], clusters);
    }

    internal static ClusterConfig ToCluster(string clusterId, ServiceState state)
    {
        var destinations = new Dictionary<string, DestinationConfig>(StringComparer.Ordinal);
        foreach (var (key, e) in state.Endpoints)
        {
            if (!e.Ready) continue;
            destinations[key] = ToDestination(e);
        }
        return new ClusterConfig
        {
            ClusterId = clusterId,
            LoadBalancingPolicy = MeshLoadBalancers.PeakEwma,
            Metadata = state.Profile.PreferLocal ? PreferLocalMetadata : null,
            HealthCheck = new HealthCheckConfig
            {
                Passive = new PassiveHealthCheckConfig { Enabled = true, Policy = MeshLoadBalancers.FailureAccrual },
            },
            Destinations = destinations,
        };
    }

    private static readonly Dictionary<string, string> PreferLocalMetadata = new(StringComparer.Ordinal) { [DestinationMetadata.PreferLocal] = "true" };

    internal static DestinationConfig ToDestination(Endpoint e)
    {
        var meshed = e.Identity.Length > 0 && e.ProxyPort != 0;
        var host = e.Address.Contains(':', StringComparison.Ordinal) ? $"[{e.Address}]" : e.Address;
        var port = meshed ? e.ProxyPort : e.Port;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [DestinationMetadata.TargetPort] = e.Port.ToString(CultureInfo.InvariantCulture),
        };
        if (e.Cluster.Length > 0) metadata[DestinationMetadata.Cluster] = e.Cluster;
        if (meshed)
        {
            metadata[DestinationMetadata.Identity] = e.Identity;
            metadata[DestinationMetadata.Protocol] = "h2";
            if (e.AuthorityOverride.Length > 0) metadata[DestinationMetadata.AuthorityOverride] = e.AuthorityOverride;
        }
        return new DestinationConfig { Address = $"http://{host}:{port.ToString(CultureInfo.InvariantCulture)}", Metadata = metadata };
    }

    private sealed class Snapshot(IReadOnlyList<RouteConfig> routes, IReadOnlyList<ClusterConfig> clusters) : IProxyConfig
    {
        private readonly CancellationTokenSource _changed = new();

        public IReadOnlyList<RouteConfig> Routes { get; } = routes;
        public IReadOnlyList<ClusterConfig> Clusters { get; } = clusters;
        public IChangeToken ChangeToken => new CancellationChangeToken(_changed.Token);

        public void SignalChanged() => _changed.Cancel();
    }
}
