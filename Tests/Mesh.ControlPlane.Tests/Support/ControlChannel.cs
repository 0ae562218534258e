using Grpc.Net.Client;
using Mesh.Silo.Hosting;
using Mesh.Silo.Identity;
using Mesh.Identity.Ca;
using Mesh.Identity.Client;
using Mesh.Identity.Credentials;
using Mesh.Names;

namespace Mesh.ControlPlane.Tests.Support;

/// <summary>A gRPC channel to a silo's control port the way proxies make one: mesh TLS (https://) checked against
/// the trust anchors the silo published in its data dir, or h2c for http://.</summary>
internal static class ControlChannel
{
    public static GrpcChannel For(Uri control, string dataDir)
    {
        var (address, handler) = ControlPlaneConnection.Create(control,
            ControlPlaneConnection.LoadTrust(Path.Combine(dataDir, "trust-anchors.pem")));
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler });
    }

    /// <summary>A channel presenting a certificate the silo's CA issued for ns/sa, as a proxy holds after Certify.</summary>
    public static GrpcChannel As(SiloHost silo, string ns, string sa)
    {
        var id = SpiffeId.Create(silo.Settings.TrustDomain, ns, sa);
        var trust = TrustBundle.Load(Path.Combine(silo.Settings.DataDir, "trust-anchors.pem"));
        using var csr = CsrBuilder.Create(id);
        var issued = silo.Services.GetRequiredService<SiloCertificateAuthority>().Authority.IssueLeafOrThrow(csr.Der, id);
        var key = System.Security.Cryptography.ECDsa.Create(csr.Key.ExportParameters(includePrivateParameters: true));
        var credentials = MeshCredentials.Create(key, issued.Leaf, issued.Intermediates, trust);
        var (address, handler) = ControlPlaneConnection.Create(silo.ControlUri, trust, silo.Settings.TrustDomain, new MeshCredentialsHolder(credentials));
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler });
    }

    /// <summary>An HttpClient speaking HTTP/2 to the control port (for non-gRPC probes of it).</summary>
    public static HttpClient Http(Uri control, string dataDir)
    {
        var (address, handler) = ControlPlaneConnection.Create(control,
            ControlPlaneConnection.LoadTrust(Path.Combine(dataDir, "trust-anchors.pem")));
        return new HttpClient(handler) { BaseAddress = address, DefaultRequestVersion = System.Net.HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
    }
}
