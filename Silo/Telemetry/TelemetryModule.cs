using Mesh.Silo.Hosting;
using Microsoft.AspNetCore.Builder;

namespace Mesh.Silo.Telemetry;

/// <summary>Wires golden-metric telemetry: mesh.v1.Telemetry on the control listener (proxies report there) and the
/// stats JSON API on the admin listener. Stats grains are soft state and need no storage.</summary>
internal sealed class TelemetryModule : ISiloModule
{
    public string Name => "telemetry";

    public void ConfigureServices(IServiceCollection services, SiloSettings settings) => services.AddMeshTelemetry();

    public void MapEndpoints(WebApplication app, SiloSettings settings)
    {
        app.MapMeshTelemetryGrpc().RequireListener(SiloListeners.Control);
        app.MapMeshStatsApi();
    }
}
