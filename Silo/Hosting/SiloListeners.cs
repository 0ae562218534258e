using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Mesh.Silo.Hosting;

/// <summary>The silo's two Kestrel listeners. Each endpoint answers on one of them only: the admin API on
/// <see cref="Admin"/> (HTTP/1.1), gRPC for proxies on <see cref="Control"/> (HTTP/2).</summary>
public static class SiloListeners
{
    public const string Admin = "admin";
    public const string Control = "control";
    /// <summary>The federation API for linked clusters' silos (HTTP/2 over mesh mTLS); exists only when configured.</summary>
    public const string Federation = "federation";

    /// <summary>Serves this endpoint only on the named listener (others answer 404).</summary>
    public static TBuilder RequireListener<TBuilder>(this TBuilder builder, string listener) where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(b => b.Metadata.Add(new ListenerMetadata(listener)));
        return builder;
    }

    internal sealed record ListenerMetadata(string Listener);

    /// <summary>Middleware (after routing): drops endpoints reached through the wrong listener, by local port.</summary>
    internal static IApplicationBuilder UseListenerFilter(this IApplicationBuilder app, SiloSettings settings) =>
        app.Use(async (context, next) =>
        {
            var endpoint = context.GetEndpoint();
            if (endpoint is not null)
            {
                var wanted = endpoint.Metadata.GetMetadata<ListenerMetadata>()?.Listener ?? Admin;
                var port = wanted switch
                {
                    Control => settings.Control.Port,
                    Federation => settings.Federation?.Port ?? -1,
                    _ => settings.Admin.Port,
                };
                if (context.Connection.LocalPort != port)
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return;
                }
            }
            await next(context);
        });
}
