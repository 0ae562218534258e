using System.Text.Json.Serialization;
using Mesh.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Json;

namespace Mesh.Silo.Admin;

/// <summary>Wires the admin API (HTTP JSON on the admin listener) and its OpenAPI document at /openapi/v1.json.</summary>
internal sealed class AdminModule : ISiloModule
{
    public string Name => "admin";

    public void ConfigureServices(IServiceCollection services, SiloSettings settings)
    {
        services.AddOpenApi();
        services.Configure<JsonOptions>(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase)));
        services.AddSingleton<StorageProbe>();
        services.AddSingleton(new SiloStartTime(TimeProvider.System.GetUtcNow()));
    }

    public void MapEndpoints(WebApplication app, SiloSettings settings)
    {
        app.MapOpenApi();
        AdminEndpoints.Map(app);
    }
}

/// <summary>When this silo started, for uptime.</summary>
public sealed record SiloStartTime(DateTimeOffset Value);
