using Mesh.Grains.Identity;
using Mesh.Silo.Hosting;
using System.Runtime.CompilerServices;
using Mesh.Identity.Ca;
using Mesh.Identity.Kestrel;
using Mesh.Identity.Tls;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Mesh.Silo.Identity;

/// <summary>Wires identity: the CA (loaded from, or on first start created in, &lt;data-dir&gt;/ca), the trust bundle
/// published for proxies and the CLI (&lt;data-dir&gt;/trust-anchors.pem), workload tokens (local mode: key in the data
/// dir, or shared through Redis by a cluster; Kubernetes mode: ServiceAccount tokens by TokenReview), Certify on the
/// control listener and the identity admin endpoints.</summary>
internal sealed class IdentityModule : ISiloModule
{
    public string Name => "identity";

    // The module instance is shared by every silo in the process (tests host several); each silo's control-port
    // credentials hang off its own settings.
    private readonly ConditionalWeakTable<SiloSettings, SiloCredentials> credentials = new();

    public void ConfigureServices(IServiceCollection services, SiloSettings settings)
    {
        var ca = new SiloCertificateAuthority(settings.TrustDomain);
        var authority = CertificateAuthority.LoadOrCreate(IdentityPaths.CaDir(settings), settings.TrustDomain);
        ca.Set(authority);
        authority.TrustBundle.Save(IdentityPaths.TrustAnchors(settings));

        services.AddGrpc();
        services.AddSingleton(ca);
        services.AddSingleton<IWorkloadCertificateIssuer>(ca);
        // One silo keeps its key in its data dir; the silos of a Redis cluster share one key, kept in Redis.
        var tokenKey = settings.Redis is null
            ? LocalTokenIssuer.LoadOrCreateKey(IdentityPaths.TokenKey(settings))
            : ClusterTokenKey.LoadOrCreate(settings.Redis, settings.ServiceId, settings.ClusterId, IdentityPaths.TokenKey(settings));
        services.AddSingleton(sp => new LocalTokenIssuer(tokenKey, sp.GetRequiredService<TimeProvider>()));
        if (settings.Kubernetes)
        {
            // Proxies present projected ServiceAccount tokens; the start fails unless the silo may review them.
            services.AddSingleton(_ => KubernetesApi.Create(settings));
            services.AddSingleton<IWorkloadTokenValidator, KubernetesTokenValidator>();
            services.AddHostedService<KubernetesAccessCheck>();
        }
        else services.AddSingleton<IWorkloadTokenValidator, LocalTokenValidator>();
        services.AddSingleton(sp =>
        {
            var silo = credentials.GetValue(settings, _ => new SiloCredentials(ca, sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<SiloCredentials>>()));
            if (silo.Holder.Current is null) silo.Issue();
            return silo;
        });
        services.AddHostedService(sp => sp.GetRequiredService<SiloCredentials>());
    }

    /// <summary>Puts mesh TLS with the silo's own identity on the control listener (unless MESH_CONTROL_TLS=false).
    /// Clients without a certificate yet (a proxy before its first Certify, the CLI) are admitted; the identity
    /// they present, if any, is checked against the trust anchors.</summary>
    public void ConfigureListener(string listener, ListenOptions options, SiloSettings settings)
    {
        if (listener != SiloListeners.Control || !settings.ControlTls) return;
        var silo = options.ApplicationServices.GetRequiredService<SiloCredentials>();
        options.UseMeshTls(new MeshTlsServerOptions
        {
            Credentials = silo.Holder,
            ClientCertificateMode = ClientCertificateMode.Optional,
            ApplicationProtocols = [Mesh.Identity.MeshCrypto.Alpn.Http2],
        });
    }

    public void MapEndpoints(WebApplication app, SiloSettings settings)
    {
        app.MapGrpcService<IdentityService>().RequireListener(SiloListeners.Control);
        IdentityEndpoints.Map(app, settings);
    }
}

/// <summary>Where identity keeps its files in the data dir.</summary>
internal static class IdentityPaths
{
    public static string CaDir(SiloSettings s) => Environment.GetEnvironmentVariable("MESH_CA_DIR") is { Length: > 0 } dir ? dir : Path.Combine(s.DataDir, "ca");
    public static string TrustAnchors(SiloSettings s) => Path.Combine(s.DataDir, "trust-anchors.pem");
    public static string TokenKey(SiloSettings s) => Path.Combine(s.DataDir, "identity", "token.key");
}
