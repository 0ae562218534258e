using Mesh.Proxy.ControlPlane;
using Mesh.Proxy.Inbound;
using Mesh.Proxy.Outbound;

namespace Mesh.Proxy.Hosting;

/// <summary>The channel to the silo and the periodic stats report (Telemetry.Report) that `mesh stat` reads.</summary>
internal sealed class ControlPlaneModule : IProxyModule
{
    public string Name => "control-plane";

    public void ConfigureServices(IServiceCollection services, ProxyHostContext host)
    {
        services.AddSingleton<ControlPlaneChannel>();
        services.AddSingleton(sp => new TelemetryReporter(host.Settings, host.Metrics.Stats, sp.GetRequiredService<ControlPlaneChannel>(),
            [sp.GetRequiredService<InboundPolicySource>(), sp.GetRequiredService<ServiceWatches>()], host.Metrics, host.Tls,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<TelemetryReporter>>()));
    }

    public void Start(WebApplication app, ProxyHostContext host) =>
        app.Services.GetRequiredService<TelemetryReporter>().Start(app.Lifetime);
}
