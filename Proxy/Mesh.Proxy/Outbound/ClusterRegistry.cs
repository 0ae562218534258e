using System.Collections.Concurrent;
using System.Collections.Immutable;
using Mesh.Proxy.Outbound.Resilience;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

namespace Mesh.Proxy.Outbound;

/// <summary>Concrete service (YARP cluster) lookup for the routing stage: learns applied clusters from YARP and lets requests wait for one.</summary>
/// <remarks>Each cluster gets its own RouteModel so that YARP's load-balancing and passive-health stages see the real cluster
/// after <c>ReassignProxyRequest</c>.</remarks>
internal sealed class ClusterRegistry(MeshTransformer transformer) : IClusterChangeListener
{
    private static readonly RouteConfig RouteConfig = new() { RouteId = MeshConfigProvider.RouteId, ClusterId = MeshConfigProvider.UnroutedClusterId, Match = new RouteMatch { Path = "/{**catch-all}" } };
    private readonly ConcurrentDictionary<string, (ClusterState Cluster, RouteModel Route)> _clusters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiters = new(StringComparer.Ordinal);
    private ImmutableDictionary<string, FailureAccrualSettings> _accrual = ImmutableDictionary<string, FailureAccrualSettings>.Empty;

    public bool TryGet(string clusterId, out ClusterState cluster, out RouteModel route)
    {
        if (_clusters.TryGetValue(clusterId, out var e)) { cluster = e.Cluster; route = e.Route; return true; }
        cluster = null!;
        route = null!;
        return false;
    }

    /// <summary>Waits until YARP has applied the cluster (the config provider just published it).</summary>
    public async Task<bool> WaitAsync(string clusterId, TimeSpan timeout, CancellationToken ct)
    {
        if (_clusters.ContainsKey(clusterId)) return true;
        var tcs = _waiters.GetOrAdd(clusterId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (_clusters.ContainsKey(clusterId)) return true;
        try { await tcs.Task.WaitAsync(timeout, ct); return true; }
        catch (TimeoutException) { return _clusters.ContainsKey(clusterId); }
    }

    public FailureAccrualSettings AccrualFor(string clusterId) =>
        _accrual.TryGetValue(clusterId, out var s) ? s : FailureAccrualSettings.Default;

    public void SetAccrual(ImmutableDictionary<string, FailureAccrualSettings> accrual) => _accrual = accrual;

    public void OnClusterAdded(ClusterState cluster) => Set(cluster);

    public void OnClusterChanged(ClusterState cluster) => Set(cluster);

    public void OnClusterRemoved(ClusterState cluster) => _clusters.TryRemove(cluster.ClusterId, out _);

    private void Set(ClusterState cluster)
    {
        _clusters[cluster.ClusterId] = (cluster, new RouteModel(RouteConfig, cluster, transformer));
        if (_waiters.TryRemove(cluster.ClusterId, out var tcs)) tcs.TrySetResult();
    }
}
