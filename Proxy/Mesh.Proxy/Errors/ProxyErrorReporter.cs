using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Mesh.Proxy.Telemetry;
using Mesh.Proxy.Wire;

namespace Mesh.Proxy.Errors;

/// <summary>The one place data-plane errors become responses: status, a `mesh-error` header, a text body, a counter.</summary>
internal sealed class ProxyErrorReporter(ProxyMetrics metrics)
{
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
        ProxyError.BadRequest => StatusCodes.Status400BadRequest,
        ProxyError.HeadersTooLarge => StatusCodes.Status431RequestHeaderFieldsTooLarge,
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
        ProxyError.BadRequest => "bad-request",
        ProxyError.HeadersTooLarge => "headers-too-large",
        _ => "error",
    };

    /// <summary>Counts an error that has no response to carry it (an opaque TCP connection closed without a byte).</summary>
    public void Count(string direction, ProxyError error) => metrics.ProxyErrors(direction, CodeOf(error));

    /// <summary>Writes the error response unless one has started; always counts it.</summary>
    public Task ReportAsync(HttpContext context, ProxyError error, string detail, string direction)
    {
        Count(direction, error);
        var response = context.Response;
        if (response.HasStarted)
        {
            context.Abort();
            return Task.CompletedTask;
        }
        response.Clear();
        response.StatusCode = StatusCodeOf(error);
        response.Headers[MeshHeaders.Error] = CodeOf(error);
        response.ContentType = "text/plain; charset=utf-8";
        if (error == ProxyError.RateLimited) response.Headers.RetryAfter = "1";
        return response.Body.WriteAsync(Encoding.UTF8.GetBytes(detail + "\n")).AsTask();
    }

    /// <summary>The same response written straight on a connection Kestrel does not parse (an HTTP CONNECT tunnel that
    /// could not be opened, a CONNECT header too large); the connection closes after it.</summary>
    public async Task WriteHttp1Async(PipeWriter output, ProxyError error, string detail, string direction)
    {
        Count(direction, error);
        var code = StatusCodeOf(error);
        var body = Encoding.UTF8.GetBytes(detail + "\n");
        var head = $"HTTP/1.1 {code} {ReasonPhrases.GetReasonPhrase(code)}\r\n{MeshHeaders.Error}: {CodeOf(error)}\r\n" +
            $"content-type: text/plain; charset=utf-8\r\ncontent-length: {body.Length}\r\nconnection: close\r\n\r\n";
        await output.WriteAsync(Encoding.ASCII.GetBytes(head));
        await output.WriteAsync(body);
    }
}
