using Mesh.Silo.Hosting;
using Microsoft.AspNetCore.Builder;

namespace Mesh.Silo.Discovery;

/// <summary>Wires the discovery gateway: gRPC on the control listener, shared feeds, metrics.</summary>
internal sealed class DiscoveryModule : ISiloModule
{
    public string Name => "discovery";

    public void ConfigureServices(IServiceCollection services, SiloSettings settings)
    {
        services.AddGrpc();
        services.AddSingleton<DiscoveryMetrics>();
        services.AddSingleton<PartitionStreams>();
        services.AddSingleton<ViewFeeds>();
        services.AddHostedService(sp => sp.GetRequiredService<ViewFeeds>());
    }

    public void MapEndpoints(WebApplication app, SiloSettings settings) =>
        app.MapGrpcService<DiscoveryService>().RequireListener(SiloListeners.Control);
}
