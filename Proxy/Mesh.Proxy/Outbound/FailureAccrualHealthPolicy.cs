using Mesh.Proxy.Errors;
using Mesh.Proxy.Outbound.Resilience;
using Mesh.Proxy.Telemetry;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace Mesh.Proxy.Outbound;

/// <summary>YARP passive health policy: counts consecutive failures per endpoint and ejects it for a growing backoff.</summary>
internal sealed class FailureAccrualHealthPolicy(EndpointStats stats, ClusterRegistry clusters, IDestinationHealthUpdater health, ProxyMetrics metrics) : IPassiveHealthCheckPolicy
{
    public string Name => MeshLoadBalancers.FailureAccrual;

    public void RequestProxied(HttpContext context, ClusterState cluster, DestinationState destination)
    {
        var accrual = stats.Get(destination).Accrual;
        if (!IsFailure(context))
        {
            accrual.RecordSuccess();
            return;
        }
        var settings = clusters.AccrualFor(cluster.ClusterId);
        if (accrual.RecordFailure(settings, Random.Shared.NextDouble()) is { } ejectFor)
        {
            metrics.Ejected(cluster.ClusterId);
            health.SetPassive(cluster, destination, DestinationHealth.Unhealthy, ejectFor);
        }
    }

    private static bool IsFailure(HttpContext context)
    {
        if (context.Features.Get<IForwarderErrorFeature>() is { } error)
        {
            // The client going away, or breaking its own request (a malformed chunked body), says nothing about the endpoint.
            return error.Error != ForwarderError.None && !ForwardingFailure.IsClientSide(error.Error);
        }
        return context.Response.StatusCode >= 500;
    }
}
