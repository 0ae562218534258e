using Mesh.Names;
using System.Diagnostics;
using System.Net;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Errors;
using Mesh.Proxy.Telemetry;
using Mesh.Proxy.Transport;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Mesh.Proxy.Outbound;

/// <summary>Resolves a logical service to a concrete one: authority → discovery state → route match → weighted backend → YARP cluster.</summary>
/// <remarks>First stage of the outbound YARP pipeline; also records the request's golden metrics around everything after it.</remarks>
internal sealed class OutboundRoutingMiddleware(ServiceWatches discovery, ClusterRegistry clusters, ProxyErrorReporter errors, ProxyMetrics metrics, ProxySettings settings, PassthroughForwarder passthrough, IEndpointConnector connector)
{
    // Without mesh TLS (no trust anchors: dev mode) a meshed endpoint's identity is never verified: report the hop as plaintext.
    private readonly bool _verifiesIdentity = connector.VerifiesIdentity;

    private static readonly TimeSpan AvailabilityPoll = TimeSpan.FromMilliseconds(50);

    private Func<string, bool>? _hasAvailableEndpoints;

    /// <summary>A backend is available when YARP has its cluster with a destination not ejected by failure accrual.
    /// Asking also watches it, so a standby that never got traffic is known by the time the primary empties.</summary>
    private bool HasAvailableEndpoints(string backend)
    {
        discovery.Get(backend);
        return clusters.TryGet(backend, out var cluster, out _) && cluster.DestinationsState.AvailableDestinations.Count > 0;
    }

    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var start = Stopwatch.GetTimestamp();
        var authority = Authority.Normalize(context.Request.Host.Value, context.Request.Host.Port is not null);
        MeshRequestFeature? feature = null;
        try
        {
            // Counted once routed, so request_total carries the concrete service's dst_* labels as Linkerd's does.
            try { feature = await RouteAsync(context, authority); }
            finally { metrics.Request(TelemetryNames.Outbound, authority, feature?.Dst); }
            if (feature is not null) await next();
        }
        finally
        {
            var status = context.Response.StatusCode;
            var identity = "";
            var destination = feature is null ? null : context.GetReverseProxyFeature().ProxiedDestination;
            if (_verifiesIdentity && destination?.Model.Config.Metadata is { } md && md.TryGetValue(DestinationMetadata.Identity, out var id)) identity = id;
            var failed = status >= 500 || context.Features.Get<IForwarderErrorFeature>() is { Error: not ForwarderError.None };
            metrics.Response(TelemetryNames.Outbound, authority, feature?.Route.Name ?? "", feature?.Backend ?? "", identity, status, !failed,
                Stopwatch.GetElapsedTime(start).TotalMilliseconds, reachedPeer: destination is not null, dst: feature?.Dst);
        }
    }

    /// <summary>Picks and assigns the cluster; returns null after writing an error response.</summary>
    private async Task<MeshRequestFeature?> RouteAsync(HttpContext context, string authority)
    {
        var ct = context.RequestAborted;
        if (authority.Length == 0)
        {
            await errors.ReportAsync(context, ProxyError.UnknownService, "request names no authority (Host header or absolute URI)", TelemetryNames.Outbound);
            return null;
        }
        var watch = discovery.Get(authority);
        var state = watch.State ?? await watch.GetStateAsync(settings.QueueTimeout, ct);
        if (state is { Exists: false } && context.Features.Get<OriginalDestinationFeature>() is { } original)
        {
            await passthrough.ForwardAsync(context, original.EndPoint);
            return null;
        }
        // An address no workload claims (discovery by address found none): forward to it as it is, as a mesh does for a
        // pod IP outside it; never to this listener itself (a loop).
        if (state is { Exists: false } && Authority.TryParseAddress(authority, defaultPort: null, out var address))
        {
            if (address.Port == context.Connection.LocalPort && (IPAddress.IsLoopback(address.Address) || address.Address.Equals(context.Connection.LocalIpAddress)))
            {
                await errors.ReportAsync(context, ProxyError.UnknownService, $"{authority} is this proxy's own outbound port; refusing to loop", TelemetryNames.Outbound);
                return null;
            }
            await passthrough.ForwardAsync(context, address);
            return null;
        }
        if (ServiceState.IsUnroutable(state, authority, settings.ControlAddress, out var refused))
        {
            await errors.ReportAsync(context, refused.Error, refused.Reason, TelemetryNames.Outbound);
            return null;
        }
        var route = state.Routes.Match(context.Request, out var matchedPrefix);
        if (route is null)
        {
            await errors.ReportAsync(context, ProxyError.NoRoute, $"service {authority}: no route matches {context.Request.Method} {context.Request.Path}", TelemetryNames.Outbound);
            return null;
        }
        if (route.Filters.Redirect is not null)
        {
            var (status, location) = route.Filters.RedirectFor(context.Request, matchedPrefix);
            context.Response.StatusCode = status;
            context.Response.Headers.Location = location;
            return null;
        }
        var backend = route.PickBackend(_hasAvailableEndpoints ??= HasAvailableEndpoints);
        if (backend is null)
        {
            await errors.ReportAsync(context, ProxyError.NoEndpoints, $"service {authority}: route {route.Name} has only backends of weight 0", TelemetryNames.Outbound);
            return null;
        }
        var backendWatch = backend.Authority == authority ? watch : discovery.Get(backend.Authority);
        var deadline = Stopwatch.GetTimestamp() + (long)(settings.QueueTimeout.TotalSeconds * Stopwatch.Frequency);
        if (!clusters.TryGet(backend.Authority, out var cluster, out var routeModel))
        {
            var backendState = backendWatch.State ?? await backendWatch.GetStateAsync(settings.QueueTimeout, ct);
            if (backendState is not { Exists: true } ||
                !await clusters.WaitAsync(backend.Authority, Remaining(deadline), ct) ||
                !clusters.TryGet(backend.Authority, out cluster, out routeModel))
            {
                var why = backendState is null ? "discovery has not answered" : backendState.Exists ? "not yet applied" : backendState.Reason;
                await errors.ReportAsync(context, ProxyError.NoEndpoints, $"service {authority}: backend {backend.Authority}: {why}", TelemetryNames.Outbound);
                return null;
            }
        }
        // Fail fast: queue briefly for an endpoint to appear (discovery update) or come back (ejection backoff over).
        while (cluster.DestinationsState.AvailableDestinations.Count == 0)
        {
            var remaining = Remaining(deadline);
            // A deleted service (its `mesh run` stopped) gets no endpoint back: answer now, not when the queue times out.
            if (remaining <= TimeSpan.Zero || backendWatch.State is { Exists: false })
            {
                var total = cluster.Destinations.Count;
                var why = total == 0
                    ? backendWatch.State?.Reason is { Length: > 0 } problem ? problem : "no ready endpoints; is a workload registered and ready?"
                    : $"all {total} endpoints are failing (ejected by failure accrual)";
                await errors.ReportAsync(context, ProxyError.NoEndpoints, $"service {authority}: backend {backend.Authority}: {why}", TelemetryNames.Outbound);
                return null;
            }
            await Task.WhenAny(backendWatch.NextChange, Task.Delay(remaining < AvailabilityPoll ? remaining : AvailabilityPoll, ct));
            ct.ThrowIfCancellationRequested();
            if (clusters.TryGet(backend.Authority, out var latest, out var latestRoute)) { cluster = latest; routeModel = latestRoute; }
        }
        context.ReassignProxyRequest(routeModel, cluster);
        var feature = new MeshRequestFeature(authority, watch, route, backend.Authority,
            backend.Filters.IsEmpty ? route.Filters : backend.Filters, matchedPrefix, backend.Dst);
        context.Features.Set(feature);
        return feature;
    }

    private static TimeSpan Remaining(long deadline)
    {
        var ticks = deadline - Stopwatch.GetTimestamp();
        return ticks <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds((double)ticks / Stopwatch.Frequency);
    }
}
