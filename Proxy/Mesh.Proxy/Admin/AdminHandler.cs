using System.Net;
using System.Text.Json;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Inbound;
using Mesh.Proxy.Outbound;
using Mesh.Proxy.Outbound.Resilience;
using Mesh.Proxy.Telemetry;
using Mesh.Proxy.Transport;

namespace Mesh.Proxy.Admin;

/// <summary>The admin listener: /metrics (Prometheus text), /ready, /live, /shutdown (POST, loopback), /config (JSON).</summary>
internal sealed class AdminHandler(
    PrometheusTextExporter exporter, Readiness readiness, ServiceWatches discovery, InboundPolicySource policies, ClusterRegistry clusters, EndpointStats stats,
    IEndpointConnector connector, ProxySettings settings, IHostApplicationLifetime lifetime)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var response = context.Response;
        switch (context.Request.Path.Value)
        {
            case "/metrics":
                response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                await response.WriteAsync(exporter.Scrape());
                break;
            case "/ready":
                if (readiness.Reason is { } reason)
                {
                    response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                    await response.WriteAsync(reason + "\n");
                }
                else await response.WriteAsync("ready\n");
                break;
            case "/live":
                await response.WriteAsync("live\n");
                break;
            case "/shutdown":
                if (!HttpMethods.IsPost(context.Request.Method))
                {
                    response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                    await response.WriteAsync("use POST\n");
                }
                else if (context.Connection.RemoteIpAddress is not { } remote || !IPAddress.IsLoopback(remote))
                {
                    response.StatusCode = StatusCodes.Status403Forbidden;
                    await response.WriteAsync("shutdown is allowed from loopback only\n");
                }
                else
                {
                    response.StatusCode = StatusCodes.Status202Accepted;
                    await response.WriteAsync("shutting down\n");
                    lifetime.StopApplication();
                }
                break;
            case "/config":
                response.ContentType = "application/json";
                await JsonSerializer.SerializeAsync(response.Body, Snapshot(), AdminJsonContext.Default.ConfigSnapshot);
                break;
            default:
                response.StatusCode = StatusCodes.Status404NotFound;
                await response.WriteAsync("admin endpoints: /metrics /ready /live /shutdown /config\n");
                break;
        }
    }

    private ConfigSnapshot Snapshot()
    {
        var services = new List<ServiceSnapshotView>();
        foreach (var watch in discovery.Watches.OrderBy(w => w.Authority, StringComparer.Ordinal))
        {
            var state = watch.State;
            var endpoints = new List<EndpointView>();
            clusters.TryGet(watch.Authority, out var cluster, out _);
            if (state is not null)
            {
                foreach (var e in state.Endpoints.Values.OrderBy(e => e.Key, StringComparer.Ordinal))
                {
                    var health = "not-routed";
                    double latency = 0;
                    if (cluster is not null && cluster.Destinations.TryGetValue(e.Key, out var d))
                    {
                        health = d.Health.Passive.ToString().ToLowerInvariant();
                        latency = Math.Round(stats.Get(d).Latency.EstimateMs, 3);
                    }
                    endpoints.Add(new EndpointView(e.Key, e.Address, e.Port, e.Identity, e.ProxyPort, e.Ready, health, latency));
                }
            }
            var routes = state?.Routes.Routes.Select(r => new RouteView(r.Name, [.. r.Backends.Select(b => new BackendView(b.Authority, b.Weight))],
                r.Retry.Limit, r.RequestTimeout?.TotalMilliseconds, r.BackendTimeout?.TotalMilliseconds)).ToList() ?? [];
            services.Add(new ServiceSnapshotView(watch.Authority, state?.Exists ?? false, watch.Connected, state?.Version ?? 0, state?.Reason ?? "waiting for discovery", endpoints, routes));
        }
        InboundView? inbound = null;
        if (policies.Watch is { } iw)
        {
            var p = iw.Policy;
            inbound = new InboundView(p.Exists, p.DefaultPolicy.ToString(),
                [.. p.Servers.Values.OrderBy(s => s.Port).Select(s => new ServerView(s.Name, s.Port, [.. s.Authorizations.Select(a => a.Name)], s.RateLimit?.Name))],
                p.Ports);
        }
        var reason = readiness.Reason;
        return new ConfigSnapshot(settings.ProxyId, settings.Namespace, settings.Workload, settings.Identity, connector.Name, reason is null, reason, services, inbound);
    }
}
