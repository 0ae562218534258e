using Mesh.Proxy.Outbound;
using Mesh.Proxy.Outbound.Resilience;
using Mesh.Proxy.Transport;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace Mesh.Proxy.Hosting;

/// <summary>The outbound pipeline on YARP: service watches, routing, retries, Peak-EWMA balancing, failure accrual, the
/// mesh-leg client (mesh TLS or plaintext), opaque TCP's outbound half.</summary>
internal sealed class OutboundModule : IProxyModule
{
    public string Name => "outbound";

    public void ConfigureServices(IServiceCollection services, ProxyHostContext host)
    {
        services.AddSingleton<ServiceWatches>();
        services.AddSingleton<EndpointStats>();
        services.AddSingleton(sp => new MeshTransformer(sp.GetRequiredService<EndpointStats>(), host.Levers.MeshLegHttp11));
        services.AddSingleton<ClusterRegistry>();
        services.AddSingleton<IClusterChangeListener>(sp => sp.GetRequiredService<ClusterRegistry>());
        if (host.Tls is { } tls) services.TryAddSingleton<IEndpointConnector>(new MeshTlsEndpointConnector(tls.Client));
        services.TryAddSingleton<IEndpointConnector, PlaintextEndpointConnector>();
        services.AddSingleton<PassthroughForwarder>();
        services.AddSingleton<OpaqueTcpOutbound>();
        services.AddSingleton<OutboundRoutingMiddleware>();
        services.AddSingleton<RetryMiddleware>();
        services.AddReverseProxy();
        services.Replace(ServiceDescriptor.Singleton<IForwarderHttpClientFactory>(sp => new MeshForwarderHttpClientFactory(sp.GetRequiredService<IEndpointConnector>())));
        services.AddSingleton<MeshConfigProvider>();
        services.AddSingleton<IProxyConfigProvider>(sp => sp.GetRequiredService<MeshConfigProvider>());
        services.AddSingleton<ILoadBalancingPolicy, PeakEwmaLoadBalancingPolicy>();
        services.AddSingleton<IPassiveHealthCheckPolicy, FailureAccrualHealthPolicy>();
    }

    public void ConfigureOutboundPipeline(IReverseProxyApplicationBuilder proxy, ProxyHostContext host)
    {
        proxy.Use(proxy.ApplicationServices.GetRequiredService<OutboundRoutingMiddleware>().InvokeAsync);
        proxy.Use(proxy.ApplicationServices.GetRequiredService<RetryMiddleware>().InvokeAsync);
        proxy.UseLoadBalancing();
        proxy.UsePassiveHealthChecks();
    }

    // Materialize the config provider so it subscribes to discovery before the first request.
    public void Start(WebApplication app, ProxyHostContext host) => app.Services.GetRequiredService<MeshConfigProvider>();
}
