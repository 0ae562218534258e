using Mesh.Proxy.ControlPlane;
using Mesh.Proxy.Identity;

namespace Mesh.Proxy.Hosting;

/// <summary>With mesh TLS: the workload's certificate from Identity.Certify, renewed before it expires.</summary>
internal sealed class IdentityModule : IProxyModule
{
    public string Name => "identity";

    public void ConfigureServices(IServiceCollection services, ProxyHostContext host)
    {
        if (host.Tls is not { } tls) return;
        var settings = host.Settings;
        services.AddSingleton(tls);
        services.AddSingleton(sp => new ProxyIdentity(
            new Api.V1.Identity.IdentityClient(sp.GetRequiredService<ControlPlaneChannel>().Channel),
            Mesh.Names.SpiffeId.Create(settings.TrustDomain, settings.Namespace, settings.ServiceAccount),
            new WorkloadToken(settings.Token, settings.TokenFile), tls.Trust, tls.Credentials,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ProxyIdentity>>()));
        tls.Credentials.Changed += c => host.Metrics.SetCertificateExpiry(c.NotAfter);
    }

    // Disposed by the container with the host.
    public void Start(WebApplication app, ProxyHostContext host)
    {
        if (host.Tls is not null) app.Services.GetRequiredService<ProxyIdentity>().Start();
    }
}
