namespace Mesh.Proxy.Hosting;

/// <summary>The modules the proxy runs, in order (services, handlers, outbound stages and starts follow it).</summary>
internal static class ProxyModules
{
    public static IReadOnlyList<IProxyModule> All { get; } =
    [
        new TelemetryModule(),
        new ControlPlaneModule(),
        new IdentityModule(),
        new OutboundModule(),
        new InboundModule(),
        new GatewayModule(),
        new AdminModule(),
    ];
}
