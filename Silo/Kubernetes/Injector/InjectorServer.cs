using System.Security.Authentication;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Names;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Mesh.Silo.Kubernetes.Injector;

/// <summary>The webhook's own HTTPS server (Kestrel on <see cref="InjectorSettings.Address"/>, TLS with the serving
/// certificate, HTTP/1.1 and HTTP/2): POST <see cref="KubernetesObjects.InjectorPath"/> with an AdmissionReview → the
/// review answered by <see cref="AdmissionReviewer"/>. It is apart from the admin and control listeners because the API
/// server reaches it with a certificate of its own and nothing else may be served there.</summary>
internal sealed class InjectorServer(InjectorSettings settings, AdmissionReviewer reviewer, TimeProvider time, ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    /// <summary>An AdmissionReview of a pod is a few KiB; the API server caps objects at 3 MiB.</summary>
    private const long MaxBody = 4 * 1024 * 1024;
    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var certificate = new ServingCertificate(settings.CertificateFile, settings.KeyFile, time, loggers.CreateLogger<ServingCertificate>());
        try { certificate.Load(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new InvalidOperationException($"injector: cannot use the serving certificate {settings.CertificateFile} / key {settings.KeyFile}: {e.Message}", e);
        }
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = MaxBody;
            k.Listen(settings.Address, lo =>
            {
                lo.Protocols = HttpProtocols.Http1AndHttp2;
                lo.UseHttps(https =>
                {
                    https.SslProtocols = SslProtocols.Tls13 | SslProtocols.Tls12;
                    https.ServerCertificateSelector = (_, _) => certificate.Current;
                });
            });
        });
        var app = builder.Build();
        app.MapPost(KubernetesObjects.InjectorPath, HandleAsync);
        await app.StartAsync(cancellationToken);
        _app = app;
    }

    private async Task HandleAsync(HttpContext context)
    {
        JsonNode? body;
        try { body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted); }
        catch (JsonException e) { await Problem(context, $"the body is not JSON: {e.Message}"); return; }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException e) { await Problem(context, e.Message, e.StatusCode); return; }
        var (review, problem) = await reviewer.ReviewAsync(body, context.RequestAborted);
        if (review is null) { await Problem(context, problem!); return; }
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(review.ToJsonString(), context.RequestAborted);
    }

    private static Task Problem(HttpContext context, string message, int status = StatusCodes.Status400BadRequest)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync($"mesh-injector: {message}\n", context.RequestAborted);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is { } app) await app.StopAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is { } app) await app.DisposeAsync();
    }
}
