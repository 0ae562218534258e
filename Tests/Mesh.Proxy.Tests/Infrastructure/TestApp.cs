using System.Net;
using Grpc.Core;
using Mesh.Api.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Tests.Infrastructure;

/// <summary>A small app behind a proxy: HTTP/1.1 on one port (answers its name), gRPC (Telemetry.Report) over h2c on another.</summary>
public sealed class TestApp : Api.V1.Telemetry.TelemetryBase, IAsyncDisposable
{
    private WebApplication? _app;
    private int _hits;
    private int _grpcCalls;

    private TestApp(string name) => Name = name;

    public string Name { get; }
    public int HttpPort { get; private set; }
    public int GrpcPort { get; private set; }
    public int Hits => Volatile.Read(ref _hits);
    public int GrpcCalls => Volatile.Read(ref _grpcCalls);
    /// <summary>Added to every HTTP response (simulates a slow replica).</summary>
    public int DelayMs { get; set; }
    /// <summary>Non-zero: every HTTP response has this status (simulates a failing replica).</summary>
    public int FailStatus { get; set; }
    /// <summary>Headers of the last HTTP request seen.</summary>
    public IReadOnlyDictionary<string, string>? LastHeaders { get; private set; }
    public string? LastProtocol { get; private set; }
    public string? LastPath { get; private set; }

    public static async Task<TestApp> StartAsync(string name)
    {
        var app = new TestApp(name);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, lo => lo.Protocols = HttpProtocols.Http1);
            k.Listen(IPAddress.Loopback, 0, lo => lo.Protocols = HttpProtocols.Http2);
        });
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(app);
        var web = builder.Build();
        web.MapGrpcService<TestApp>();
        web.MapFallback(app.HandleAsync);
        await web.StartAsync();
        app._app = web;
        var ports = web.Urls.Select(u => new Uri(u).Port).ToArray();
        app.HttpPort = ports[0];
        app.GrpcPort = ports[1];
        return app;
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _hits);
        LastHeaders = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        LastProtocol = context.Request.Protocol;
        LastPath = context.Request.Path + context.Request.QueryString;
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            using var sink = new MemoryStream();
            await context.Request.Body.CopyToAsync(sink);
            context.Response.Headers["x-body-length"] = sink.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        if (DelayMs > 0) await Task.Delay(DelayMs, context.RequestAborted);
        if (FailStatus != 0)
        {
            context.Response.StatusCode = FailStatus;
            await context.Response.WriteAsync($"{Name} failing");
            return;
        }
        context.Response.Headers["x-app"] = Name;
        await context.Response.WriteAsync(Name);
    }

    public override Task<ReportAck> Report(StatsReport request, ServerCallContext context)
    {
        Interlocked.Increment(ref _grpcCalls);
        return Task.FromResult(new ReportAck { Duplicate = request.ProxyId == Name });
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) { await _app.StopAsync(); await _app.DisposeAsync(); }
    }
}
