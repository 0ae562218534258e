using System.Net;
using System.Net.Sockets;
using Grpc.Net.Client;
using Mesh.Silo.Dashboard;
using Mesh.Silo.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.TestingHost;

namespace Mesh.ControlPlane.Tests.Stats;

/// <summary>A real one-silo Orleans cluster plus a real Kestrel host wired exactly as the silo wires telemetry:
/// <c>AddMeshTelemetry</c>, <c>MapMeshTelemetryGrpc</c> on an HTTP/2 listener (the proxies' port), <c>MapMeshStatsApi</c>
/// and <c>MapMeshDashboard</c> on an HTTP/1.1 listener (the admin port). Both on 127.0.0.1, free ports.
/// Tests share it; each uses its own namespace so they do not see each other's stats.</summary>
public sealed class StatsHostFixture : IAsyncLifetime, IAsyncDisposable
{
    private InProcessTestCluster? _cluster;
    private WebApplication? _web;

    public Uri GrpcAddress { get; private set; } = null!;
    public Uri AdminAddress { get; private set; } = null!;
    public GrpcChannel Channel { get; private set; } = null!;
    public HttpClient Admin { get; private set; } = null!;
    public IGrainFactory Grains => _cluster!.Client;
    /// <summary>Extra endpoints to map before start (stand-ins for APIs other parts of the silo own).</summary>
    public Action<WebApplication>? MapMore { get; init; }

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.Services.TryAddSingleton(TimeProvider.System));
        _cluster = builder.Build();
        await _cluster.DeployAsync();

        var (grpcPort, adminPort) = (FreePort(), FreePort());
        var web = WebApplication.CreateSlimBuilder();
        web.Logging.SetMinimumLevel(LogLevel.Warning);
        web.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, grpcPort, l => l.Protocols = HttpProtocols.Http2);
            k.Listen(IPAddress.Loopback, adminPort, l => l.Protocols = HttpProtocols.Http1);
        });
        web.Services.AddSingleton<IGrainFactory>(_cluster.Client);
        web.Services.AddRouting();
        // A plaintext listener, as with MESH_CONTROL_TLS=false: reports are taken as claimed (auth: TelemetryAuthenticationTests).
        web.Services.AddMeshTelemetry(new TelemetryOptions(RequireClientCertificate: false));
        _web = web.Build();
        _web.MapMeshTelemetryGrpc();
        _web.MapMeshStatsApi();
        _web.MapMeshDashboard();
        MapMore?.Invoke(_web);
        await _web.StartAsync();

        GrpcAddress = new Uri($"http://127.0.0.1:{grpcPort}");
        AdminAddress = new Uri($"http://127.0.0.1:{adminPort}");
        Channel = GrpcChannel.ForAddress(GrpcAddress);
        Admin = new HttpClient { BaseAddress = AdminAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Stops the web host only (the silo stays): what a browser sees when the silo's listener goes away.</summary>
    public async Task StopWebAsync()
    {
        if (_web is null) return;
        await _web.StopAsync();
        await _web.DisposeAsync();
        _web = null;
    }

    public async Task DisposeAsync()
    {
        Admin?.Dispose();
        Channel?.Dispose();
        if (_web is not null)
        {
            await _web.StopAsync();
            await _web.DisposeAsync();
        }
        if (_cluster is not null)
        {
            await _cluster.StopAllSilosAsync();
            await _cluster.DisposeAsync();
        }
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class StatsHostCollection : ICollectionFixture<StatsHostFixture>
{
    public const string Name = "stats-host";
}
