using System.Net;
using Mesh.Identity.Ca;
using Mesh.Identity.Credentials;
using Mesh.Identity.Tls;
using Mesh.Names;

namespace Mesh.Proxy.Tests.Infrastructure;

/// <summary>An HTTP/2 client over real mesh mTLS that presents a leaf the test's CA issues for any identity: a peer that
/// is not one of the topology's sidecars (an attacker, or a hand-made gateway), talking to a proxy's inbound port.</summary>
public static class MeshTlsPeer
{
    /// <param name="server">The identity the proxy must present (checked as a sidecar checks discovery's).</param>
    public static HttpClient Create(CertificateAuthority ca, string identity, string server)
    {
        var options = Options(ca, identity);
        options.ExpectedIdentity = server;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (context, ct) => await MeshTls.ConnectAsync(context.DnsEndPoint, options, ct),
        };
        return new HttpClient(handler)
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    /// <summary>Client options presenting a leaf for <paramref name="identity"/> (no expected server identity set).</summary>
    public static MeshTlsClientOptions Options(CertificateAuthority ca, string identity)
    {
        var id = SpiffeId.Parse(identity);
        var csr = CsrBuilder.Create(id);
        return new MeshTlsClientOptions
        {
            Credentials = new MeshCredentialsHolder(MeshCredentials.Create(csr, ca.IssueLeafOrThrow(csr.Der, id), ca.TrustBundle)),
        };
    }
}
