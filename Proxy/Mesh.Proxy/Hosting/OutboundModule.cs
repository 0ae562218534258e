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
        WithoutDataProtectionAtStart(services);
        services.Replace(ServiceDescriptor.Singleton<IForwarderHttpClientFactory>(sp => new MeshForwarderHttpClientFactory(sp.GetRequiredService<IEndpointConnector>())));
        services.AddSingleton<MeshConfigProvider>();
        services.AddSingleton<IProxyConfigProvider>(sp => sp.GetRequiredService<MeshConfigProvider>());
        services.AddSingleton<ILoadBalancingPolicy, PeakEwmaLoadBalancingPolicy>();
        services.AddSingleton<IPassiveHealthCheckPolicy, FailureAccrualHealthPolicy>();
    }

    /// <summary>AddReverseProxy registers DataProtection (for cookie session affinity, which no mesh cluster uses), and
    /// DataProtection's hosted service loads its key ring at start: XML, a new key written to ~/.aspnet/DataProtection-Keys,
    /// and the code and heap for both, in every sidecar. Without that service the key ring is only made if something
    /// protects data, which nothing here does (bench/README.md, round 3).</summary>
    internal static void WithoutDataProtectionAtStart(IServiceCollection services)
    {
        for (var i = services.Count - 1; i >= 0; i--)
        {
            var d = services[i];
            if (d.ServiceType == typeof(IHostedService) && d.ImplementationType?.FullName == DataProtectionHostedService) services.RemoveAt(i);
        }
    }

    internal const string DataProtectionHostedService = "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService";

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
