using Mesh.Proxy.Admin;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Gateway;

namespace Mesh.Proxy.Hosting;

/// <summary>Gateway mode: the inbound listener admits mesh peers of other clusters for exported services, then hands
/// their requests to the outbound pipeline (routing, balancing, mTLS); linked clusters' probes of the gateway are
/// answered by the gateway itself (<see cref="GatewayProbe"/>).</summary>
internal sealed class GatewayModule : IProxyModule
{
    public string Name => "gateway";

    // Registered in every mode: opaque TCP's dispatch takes it, and only gateway mode calls it.
    public void ConfigureServices(IServiceCollection services, ProxyHostContext host)
    {
        services.AddSingleton<GatewayHandler>();
        services.AddSingleton<GatewayProbe>();
    }

    public RequestDelegate? Serve(string listener, IServiceProvider services, RequestDelegate next, ProxyHostContext host)
    {
        if (listener != ProxyListeners.Inbound || host.Settings.Mode != ProxyMode.Gateway) return null;
        var gateway = services.GetRequiredService<GatewayHandler>();
        var probe = services.GetRequiredService<GatewayProbe>();
        return context => GatewayProbe.Targets(context.Request) ? probe.AnswerAsync(context) : gateway.InvokeAsync(context, next);
    }
}
