using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Mesh.Identity.Ca;
using Mesh.Identity.Credentials;
using Mesh.Names;
using Mesh.Identity.Tls;

namespace Mesh.Bench.Tls;

/// <summary>One TLS implementation under test: turns a connected socket pair into an established (client, server) stream pair.</summary>
internal abstract class Contender(string name)
{
    public string Name { get; } = name;

    public abstract Task<(Stream Client, Stream Server)> HandshakeAsync(NetworkStream client, NetworkStream server);
}

/// <summary>Mesh TLS (BouncyCastle engine, .NET record layer), mutual authentication, hybrid or classical groups.</summary>
internal sealed class MeshContender(string name, Pki pki, MeshKeyExchangeMode mode) : Contender(name)
{
    private readonly MeshTlsServerOptions _server = new() { Credentials = new(pki.Server), ClientCertificateMode = ClientCertificateMode.Required };
    private readonly MeshTlsClientOptions _client = new() { Credentials = new(pki.Client), KeyExchange = mode, ExpectedIdentity = pki.ServerId.Uri };

    public override async Task<(Stream Client, Stream Server)> HandshakeAsync(NetworkStream client, NetworkStream server)
    {
        var accept = MeshTls.AcceptAsync(server, _server);
        var connect = MeshTls.ConnectAsync(client, _client);
        await Task.WhenAll(accept, connect);
        return (await connect, await accept);
    }
}

/// <summary>The baseline: .NET SslStream (OpenSSL), TLS 1.3, the same ECDSA P-256 certificates, mutual authentication against
/// the same single trust anchor, no session resumption (every handshake is a full one, as in the mesh).</summary>
internal sealed class SslStreamContender(Pki pki) : Contender("SslStream X25519 (baseline)")
{
    private readonly SslServerAuthenticationOptions _server = new()
    {
        ServerCertificateContext = SslStreamCertificateContext.Create(pki.ServerCertificate, new X509Certificate2Collection(pki.Intermediate), offline: true),
        ClientCertificateRequired = true,
        EnabledSslProtocols = SslProtocols.Tls13,
        AllowTlsResume = false,
        CertificateChainPolicy = pki.ChainPolicy(),
        RemoteCertificateValidationCallback = (_, _, _, errors) => errors == SslPolicyErrors.None,
        ApplicationProtocols = [SslApplicationProtocol.Http2],
    };

    private readonly SslClientAuthenticationOptions _client = new()
    {
        TargetHost = pki.ServerId.DnsName,
        ClientCertificateContext = SslStreamCertificateContext.Create(pki.ClientCertificate, new X509Certificate2Collection(pki.Intermediate), offline: true),
        EnabledSslProtocols = SslProtocols.Tls13,
        AllowTlsResume = false,
        CertificateChainPolicy = pki.ChainPolicy(),
        RemoteCertificateValidationCallback = (_, _, _, errors) => errors == SslPolicyErrors.None,
        ApplicationProtocols = [SslApplicationProtocol.Http2],
    };

    public override async Task<(Stream Client, Stream Server)> HandshakeAsync(NetworkStream client, NetworkStream server)
    {
        var s = new SslStream(server);
        var c = new SslStream(client);
        await Task.WhenAll(s.AuthenticateAsServerAsync(_server), c.AuthenticateAsClientAsync(_client));
        return (c, s);
    }
}

/// <summary>One CA, a server and a client leaf, in both the mesh form and the X509Certificate2-with-key form SslStream wants.</summary>
internal sealed class Pki
{
    public Pki()
    {
        var ca = CertificateAuthority.Create();
        Anchor = ca.TrustBundle.Anchors[0];
        (Server, ServerCertificate) = Issue(ca, ServerId);
        (Client, ClientCertificate) = Issue(ca, SpiffeId.Create("cluster.local", "bench", "client"));
        Intermediate = X509CertificateLoader.LoadCertificate(ca.Issuer.RawData);
    }

    public SpiffeId ServerId { get; } = SpiffeId.Create("cluster.local", "bench", "server");

    public X509Certificate2 Anchor { get; }

    public X509Certificate2 Intermediate { get; }

    public MeshCredentials Server { get; }

    public MeshCredentials Client { get; }

    public X509Certificate2 ServerCertificate { get; }

    public X509Certificate2 ClientCertificate { get; }

    public X509ChainPolicy ChainPolicy()
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        policy.CustomTrustStore.Add(Anchor);
        policy.ExtraStore.Add(Intermediate);
        return policy;
    }

    private static (MeshCredentials, X509Certificate2) Issue(CertificateAuthority ca, SpiffeId id)
    {
        var csr = CsrBuilder.Create(id);
        var issued = ca.IssueLeafOrThrow(csr.Der, id);
        var credentials = MeshCredentials.Create(csr, issued, ca.TrustBundle);
        // SslStream on Linux wants an exportable key bound to the certificate.
        var withKey = issued.Leaf.CopyWithPrivateKey(csr.Key);
        return (credentials, X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null));
    }
}
