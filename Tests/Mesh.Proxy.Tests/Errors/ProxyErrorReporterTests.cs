using Mesh.Proxy.Errors;
using Mesh.Proxy.Telemetry;
using Mesh.Proxy.Wire;
using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Tests.Errors;

public sealed class ProxyErrorReporterTests
{
    [Theory]
    [InlineData(ProxyError.UnknownService, 502, "unknown-service")]
    [InlineData(ProxyError.Upstream, 502, "upstream")]
    [InlineData(ProxyError.DiscoveryUnavailable, 503, "discovery-unavailable")]
    [InlineData(ProxyError.NoEndpoints, 503, "no-endpoints")]
    [InlineData(ProxyError.RequestTimeout, 504, "request-timeout")]
    [InlineData(ProxyError.BackendTimeout, 504, "backend-timeout")]
    [InlineData(ProxyError.Unauthorized, 403, "unauthorized")]
    [InlineData(ProxyError.RateLimited, 429, "rate-limited")]
    [InlineData(ProxyError.BadRequest, 400, "bad-request")]
    [InlineData(ProxyError.HeadersTooLarge, 431, "headers-too-large")]
    [InlineData(ProxyError.NoRoute, 404, "no-route")]
    public async Task ReportAsync_EachError_SetsStatusHeaderAndBody(ProxyError error, int status, string code)
    {
        using var metrics = new ProxyMetrics();
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();
        await new ProxyErrorReporter(metrics).ReportAsync(context, error, "why it failed", TelemetryNames.Outbound);
        Assert.Equal(status, context.Response.StatusCode);
        Assert.Equal(code, context.Response.Headers[MeshHeaders.Error].ToString());
        Assert.Equal("why it failed\n", System.Text.Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray()));
    }

    [Fact]
    public void StatusCodeOf_EveryError_IsAnErrorStatus()
    {
        foreach (var e in Enum.GetValues<ProxyError>()) Assert.InRange(ProxyErrorReporter.StatusCodeOf(e), 400, 599);
    }
}
