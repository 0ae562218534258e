using System.Text;
using Mesh.Proxy.Telemetry;

namespace Mesh.Proxy.Errors;

/// <summary>The one place data-plane errors become responses: status, a `mesh-error` header, a text body, a counter.</summary>
internal sealed class ProxyErrorReporter(ProxyMetrics metrics)
{
    public const string HeaderName = "mesh-error";

    /// <summary>The status code a client sees for an error.</summary>
    public static int StatusCodeOf(ProxyError error) => error switch
    {
        ProxyError.UnknownService => StatusCodes.Status502BadGateway,
        ProxyError.Upstream => StatusCodes.Status502BadGateway,
        ProxyError.NoRoute => StatusCodes.Status404NotFound,
        ProxyError.BadTarget => StatusCodes.Status502BadGateway,
        ProxyError.DiscoveryUnavailable => StatusCodes.Status503ServiceUnavailable,
        ProxyError.NoEndpoints => StatusCodes.Status503ServiceUnavailable,
        ProxyError.RequestTimeout => StatusCodes.Status504GatewayTimeout,
        ProxyError.BackendTimeout => StatusCodes.Status504GatewayTimeout,
        ProxyError.Unauthorized => StatusCodes.Status403Forbidden,
        ProxyError.RateLimited => StatusCodes.Status429TooManyRequests,
        _ => StatusCodes.Status502BadGateway,
    };

    /// <summary>Header value naming the error (kebab case, stable for scripts).</summary>
    public static string CodeOf(ProxyError error) => error switch
    {
        ProxyError.UnknownService => "unknown-service",
        ProxyError.DiscoveryUnavailable => "discovery-unavailable",
        ProxyError.NoEndpoints => "no-endpoints",
        ProxyError.NoRoute => "no-route",
        ProxyError.Upstream => "upstream",
        ProxyError.RequestTimeout => "request-timeout",
        ProxyError.BackendTimeout => "backend-timeout",
        ProxyError.BadTarget => "bad-target",
        ProxyError.Unauthorized => "unauthorized",
        ProxyError.RateLimited => "rate-limited",
        _ => "error",
    };

    /// <summary>Writes the error response unless one has started; always counts it.</summary>
    public Task ReportAsync(HttpContext context, ProxyError error, string detail, string direction)
    {
        metrics.ProxyErrors(direction, error);
        var response = context.Response;
        if (response.HasStarted)
        {
            context.Abort();
            return Task.CompletedTask;
        }
        response.Clear();
        response.StatusCode = StatusCodeOf(error);
        response.Headers[HeaderName] = CodeOf(error);
        response.ContentType = "text/plain; charset=utf-8";
        if (error == ProxyError.RateLimited) response.Headers.RetryAfter = "1";
        return response.Body.WriteAsync(Encoding.UTF8.GetBytes(detail + "\n")).AsTask();
    }
}
