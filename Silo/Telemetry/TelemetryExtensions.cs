using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Silo.Telemetry;

/// <summary>Wires telemetry into the silo host: the mesh.v1.Telemetry gRPC service (proxies report to it) and the
/// admin stats API. Stats grains live in Mesh.Grains and need only a <see cref="TimeProvider"/>.</summary>
public static class TelemetryExtensions
{
    /// <param name="options">Null: reports need a verified client certificate (<see cref="TelemetryOptions"/>).</param>
    public static IServiceCollection AddMeshTelemetry(this IServiceCollection services, TelemetryOptions? options = null)
    {
        services.TryAddSingleton(options ?? new TelemetryOptions());
        services.AddGrpc();
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<TelemetryMetrics>();
        return services;
    }

    /// <summary>Maps both the gRPC service and the admin API; use the two methods below to put them on different listeners.</summary>
    public static IEndpointRouteBuilder MapMeshTelemetry(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapMeshTelemetryGrpc();
        endpoints.MapMeshStatsApi();
        return endpoints;
    }

    /// <summary>mesh.v1.Telemetry (for the proxies' gRPC listener, 8086).</summary>
    public static GrpcServiceEndpointConventionBuilder MapMeshTelemetryGrpc(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGrpcService<TelemetryService>();

    /// <summary>`/api/v1/stats/*` and `/api/v1/proxies` (for the admin listener, 8085).</summary>
    public static RouteGroupBuilder MapMeshStatsApi(this IEndpointRouteBuilder endpoints) => endpoints.MapStatsApi();
}
