using Mesh.Identity.Kestrel;
using Mesh.Identity.Tls;
using Mesh.Silo.Hosting;
using Mesh.Silo.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using OpenTelemetry.Metrics;

namespace Mesh.Silo.Federation;

/// <summary>Wires the federation API (when MESH_FEDERATION_ADDR is set): mesh mTLS with the silo's own certificate and
/// a client certificate required on <see cref="SiloListeners.Federation"/>, Federation.WatchExports there, and
/// `GET /api/v1/multicluster/link` on the admin listener for `mesh multicluster link-gen`; on every silo, the link
/// grains that mirror other clusters (<see cref="LinkSupervisor"/>), their gateway probes (<see cref="GatewayProber"/>,
/// <see cref="FederationMetrics"/> on /metrics) and their admin endpoints (<see cref="LinkEndpoints"/>).</summary>
internal sealed class FederationModule : ISiloModule
{
    public string Name => "federation";

    public void ConfigureServices(IServiceCollection services, SiloSettings settings)
    {
        services.AddGrpc();
        services.AddSingleton<FederationAllowList>();
        services.AddSingleton<Mesh.Grains.Federation.ILinkWatcher, LinkWatcher>();
        services.AddSingleton<Mesh.Grains.Federation.IGatewayProber, GatewayProber>();
        services.AddSingleton<FederationMetrics>();
        services.AddSingleton<Mesh.Grains.Federation.IGatewayHealthReporter>(sp => sp.GetRequiredService<FederationMetrics>());
        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(FederationMetrics.MeterName));
        services.AddHostedService<LinkSupervisor>();
    }

    /// <summary>A client without a certificate, or with one the mesh trust bundle does not validate, fails the handshake;
    /// who may watch is decided per call from the certificate's identity (<see cref="FederationAllowList"/>).</summary>
    public void ConfigureListener(string listener, ListenOptions options, SiloSettings settings)
    {
        if (listener != SiloListeners.Federation) return;
        options.UseMeshTls(new MeshTlsServerOptions
        {
            Credentials = options.ApplicationServices.GetRequiredService<SiloCredentials>().Holder,
            ClientCertificateMode = ClientCertificateMode.Required,
            ApplicationProtocols = [Mesh.Identity.MeshCrypto.Alpn.Http2],
        });
    }

    public void MapEndpoints(WebApplication app, SiloSettings settings)
    {
        LinkInfoEndpoint.Map(app, settings);
        LinkEndpoints.Map(app);
        if (settings.Federation is not null)
            app.MapGrpcService<FederationService>().RequireListener(SiloListeners.Federation);
    }
}
