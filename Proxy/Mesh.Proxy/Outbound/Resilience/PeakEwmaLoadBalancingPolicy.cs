using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace Mesh.Proxy.Outbound.Resilience;

/// <summary>Picks an endpoint by power of two choices over Peak-EWMA load (latency × outstanding requests), among the
/// local endpoints only while the service prefers local and one is available (<see cref="LocalityPreference"/>).</summary>
internal sealed class PeakEwmaLoadBalancingPolicy(EndpointStats stats) : ILoadBalancingPolicy
{
    public string Name => MeshLoadBalancers.PeakEwma;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations) =>
        Pick(cluster.Model.Config.Metadata?.ContainsKey(LocalityPreference.PreferLocalMetadata) == true
            ? LocalityPreference.Candidates(availableDestinations, IsLocal) : availableDestinations, Random.Shared);

    private static readonly Func<DestinationState, bool> IsLocal = d => d.Model.Config.Metadata?.ContainsKey(LocalityPreference.ClusterMetadata) != true;

    public DestinationState? Pick(IReadOnlyList<DestinationState> destinations, Random random)
    {
        var count = destinations.Count;
        if (count == 0) return null;
        if (count == 1) return destinations[0];
        var i = random.Next(count);
        var j = random.Next(count - 1);
        if (j >= i) j++;
        var a = destinations[i];
        var b = destinations[j];
        var loadA = stats.Get(a).Latency.Load(a.ConcurrentRequestCount);
        var loadB = stats.Get(b).Latency.Load(b.ConcurrentRequestCount);
        return loadA <= loadB ? a : b;
    }
}
