using Mesh.Proxy.Admin;
using Mesh.Proxy.Identity;
using Mesh.Proxy.Inbound;

namespace Mesh.Proxy.Hosting;

/// <summary>The admin listener: /metrics /ready /live /shutdown /config, and readiness (discovery + identity up).</summary>
internal sealed class AdminModule : IProxyModule
{
    public string Name => "admin";

    public void ConfigureServices(IServiceCollection services, ProxyHostContext host)
    {
        services.AddSingleton(sp => new Readiness(sp.GetRequiredService<InboundPolicySource>(), host.Settings, sp.GetService<ProxyIdentity>()));
        services.AddSingleton<AdminHandler>();
    }

    public RequestDelegate? Serve(string listener, IServiceProvider services, RequestDelegate next, ProxyHostContext host) =>
        listener == ProxyListeners.Admin ? services.GetRequiredService<AdminHandler>().InvokeAsync : null;
}
