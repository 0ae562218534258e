using Mesh.Grains.Identity;
using Mesh.Silo.Hosting;
using Mesh.Tls.Ca;
using Microsoft.AspNetCore.Builder;

namespace Mesh.Silo.Identity;

/// <summary>Wires identity: the CA (loaded from, or on first start created in, &lt;data-dir&gt;/ca), the trust bundle
/// published for proxies and the CLI (&lt;data-dir&gt;/trust-anchors.pem), local workload tokens, Certify on the
/// control listener and the identity admin endpoints.</summary>
internal sealed class IdentityModule : ISiloModule
{
    public string Name => "identity";

    public void ConfigureServices(IServiceCollection services, SiloSettings settings)
    {
        var ca = new SiloCertificateAuthority(settings.TrustDomain);
        var authority = CertificateAuthority.LoadOrCreate(IdentityPaths.CaDir(settings), settings.TrustDomain);
        ca.Set(authority);
        authority.TrustBundle.Save(IdentityPaths.TrustAnchors(settings));

        services.AddGrpc();
        services.AddSingleton(ca);
        services.AddSingleton<IWorkloadCertificateIssuer>(ca);
        services.AddSingleton(sp => new LocalTokenIssuer(LocalTokenIssuer.LoadOrCreateKey(IdentityPaths.TokenKey(settings)),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IWorkloadTokenValidator, LocalTokenValidator>();
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
