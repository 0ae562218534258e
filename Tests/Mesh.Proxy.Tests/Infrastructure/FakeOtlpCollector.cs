using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Tests.Infrastructure;

/// <summary>An OpenTelemetry collector on 127.0.0.1 speaking OTLP/gRPC (h2c): keeps every export request's protobuf body
/// (trace ids appear in it as their 16 raw bytes, resource attributes as strings) and answers OK.</summary>
public sealed class FakeOtlpCollector : IAsyncDisposable
{
    public const string TracePath = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
    public const string MetricsPath = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";

    private readonly WebApplication _app;

    private FakeOtlpCollector(WebApplication app) => _app = app;

    public Uri Address { get; private set; } = null!;

    /// <summary>Bodies of trace exports (gRPC framing stripped).</summary>
    public ConcurrentQueue<byte[]> Traces { get; } = new();

    /// <summary>Bodies of metric exports.</summary>
    public ConcurrentQueue<byte[]> Metrics { get; } = new();

    public static async Task<FakeOtlpCollector> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, lo => lo.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        var collector = new FakeOtlpCollector(app);
        app.MapPost(TracePath, context => collector.ExportAsync(context, collector.Traces));
        app.MapPost(MetricsPath, context => collector.ExportAsync(context, collector.Metrics));
        await app.StartAsync();
        collector.Address = new Uri(app.Urls.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        return collector;
    }

    private async Task ExportAsync(HttpContext context, ConcurrentQueue<byte[]> into)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var bytes = body.ToArray();
        into.Enqueue(bytes.Length >= 5 ? bytes[5..] : bytes); // 1 byte compressed flag + 4 bytes length, then the message
        context.Response.ContentType = "application/grpc";
        context.Response.AppendTrailer("grpc-status", "0");
        await context.Response.Body.WriteAsync(new byte[5]); // an empty Export*ServiceResponse
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
