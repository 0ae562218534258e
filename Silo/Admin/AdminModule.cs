using System.Text.Json.Serialization;
using Mesh.Admin.Contract;
using Mesh.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Mesh.Silo.Admin;

/// <summary>Wires the admin API (HTTP JSON on the admin listener) and its OpenAPI document at /openapi/v1.json, with the
/// slow-client limits the proxies use, the browser guard (Host/Origin) and 503 + Retry-After while the cluster changes.</summary>
internal sealed class AdminModule : ISiloModule
{
    public string Name => "admin";

    public void ConfigureServices(IServiceCollection services, SiloSettings settings)
    {
        services.AddOpenApi();
        services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase));
            // The contract's records are written with its generated metadata (the names the CLI reads them by).
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, AdminJsonContext.Default);
        });
        services.AddSingleton<StorageProbe>();
        services.AddSingleton(new SiloStartTime(TimeProvider.System.GetUtcNow()));
        services.Configure<KestrelServerOptions>(k => ApplyLimits(k.Limits));
    }

    /// <summary>Idle keep-alive, slow headers and a trickled body each end a connection within ~10 s, as on the
    /// proxies (Kestrel's defaults keep them 130 s / 30 s). Kestrel's limits are per server, so the control listener
    /// gets them too: a gRPC connection with a watch open is never idle, and streaming calls are exempt from the body
    /// rate (grpc-dotnet lifts it).</summary>
    public static void ApplyLimits(KestrelServerLimits limits)
    {
        limits.KeepAliveTimeout = SlowClientTimeout;
        limits.RequestHeadersTimeout = SlowClientTimeout;
        limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(5));
    }

    public static readonly TimeSpan SlowClientTimeout = TimeSpan.FromSeconds(10);

    public void MapEndpoints(WebApplication app, SiloSettings settings)
    {
        app.UseClusterUnavailable();
        app.UseAdminRequestGuard(settings);
        app.MapOpenApi();
        AdminEndpoints.Map(app);
    }
}

/// <summary>When this silo started, for uptime.</summary>
public sealed record SiloStartTime(DateTimeOffset Value);
