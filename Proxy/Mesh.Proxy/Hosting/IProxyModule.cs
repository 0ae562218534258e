using Mesh.Proxy.Configuration;
using Mesh.Proxy.Telemetry;
using Mesh.Proxy.Transport;
using Yarp.ReverseProxy.Model;

namespace Mesh.Proxy.Hosting;

/// <summary>What every module is built from: the settings, the proxy's instruments and its mesh TLS (null without
/// trust anchors: h2c between proxies).</summary>
internal sealed record ProxyHostContext(ProxySettings Settings, ProxyMetrics Metrics, MeshTlsSetup? Tls, HostingLevers Levers);

/// <summary>A feature plugged into the proxy host (control plane, identity, outbound, inbound, gateway, admin,
/// telemetry), mirroring the silo's <c>ISiloModule</c>. Every hook has an empty default, so a module implements only what
/// it needs. Modules are listed in <see cref="ProxyModules"/>; each registers and resolves its own parts.</summary>
internal interface IProxyModule
{
    string Name { get; }

    /// <summary>Registers services in the host's container.</summary>
    void ConfigureServices(IServiceCollection services, ProxyHostContext host) { }

    /// <summary>The handler for requests arriving on <paramref name="listener"/> (<see cref="ProxyListeners"/>), or null
    /// when this module does not serve it; the first module with one wins. <paramref name="next"/> is the outbound
    /// pipeline (YARP), where requests no module takes go.</summary>
    RequestDelegate? Serve(string listener, IServiceProvider services, RequestDelegate next, ProxyHostContext host) => null;

    /// <summary>Adds stages to YARP's outbound pipeline, in module order.</summary>
    void ConfigureOutboundPipeline(IReverseProxyApplicationBuilder proxy, ProxyHostContext host) { }

    /// <summary>Starts background work (watches, reports, certificate renewal) before the listeners accept.</summary>
    void Start(WebApplication app, ProxyHostContext host) { }
}
