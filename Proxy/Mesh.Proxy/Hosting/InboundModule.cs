using Mesh.Proxy.Configuration;
using Mesh.Proxy.Inbound;

namespace Mesh.Proxy.Hosting;

/// <summary>The inbound side of a sidecar: its policy watch, authorization, rate limits, forwarding to the app, opaque
/// TCP's inbound half.</summary>
internal sealed class InboundModule : IProxyModule
{
    public string Name => "inbound";

    public void ConfigureServices(IServiceCollection services, ProxyHostContext host)
    {
        services.AddSingleton<InboundPolicyCompiler>();
        services.AddSingleton<InboundPolicySource>();
        services.AddSingleton<OpaqueTcpInbound>();
        services.AddSingleton<InboundHandler>();
    }

    public RequestDelegate? Serve(string listener, IServiceProvider services, RequestDelegate next, ProxyHostContext host) =>
        listener == ProxyListeners.Inbound && host.Settings.Mode != ProxyMode.Gateway ? services.GetRequiredService<InboundHandler>().InvokeAsync : null;

    public void Start(WebApplication app, ProxyHostContext host) => app.Services.GetRequiredService<InboundPolicySource>().Start();
}
