using System.Net;
using Mesh.Identity.Kestrel;
using Mesh.Identity.Tls;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Identity.Tests.Kestrel;

/// <summary>A real Kestrel on 127.0.0.1:0 behind <c>UseMeshTls</c>; "/" answers with what the handshake established.</summary>
internal sealed class MeshTlsKestrelHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MeshTlsKestrelHost(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public static async Task<MeshTlsKestrelHost> StartAsync(MeshTlsServerOptions options, HttpProtocols protocols = HttpProtocols.Http1AndHttp2)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = protocols;
            listen.UseMeshTls(options);
        }));
        var app = builder.Build();
        app.MapGet("/", (HttpContext context) =>
        {
            var tls = context.Features.Get<IMeshTlsFeature>();
            var text = $"protocol={context.Request.Protocol} peer={tls?.PeerIdentity ?? "none"} group={tls?.NegotiatedGroup} suite={tls?.CipherSuite}";
            return Results.Content($"<html><body><p id=\"tls\">{text}</p></body></html>", "text/html");
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new MeshTlsKestrelHost(app, new Uri(address).Port);
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(cts.Token);
        await _app.DisposeAsync();
    }
}
