using Mesh.Tls.Ca;
using Mesh.Tls.Credentials;
using Org.BouncyCastle.Tls;

namespace Mesh.Tls.Tls;

/// <summary>The BouncyCastle server policy: TLS 1.3, mesh groups (the BC default list lacks ML-KEM) in server preference
/// order, mesh suites, our credentials, and client-certificate validation against the mesh bundle.</summary>
internal sealed class MeshTlsServerPeer(MeshTlsServerOptions options, MeshCredentials credentials, TrustBundle trust, HandshakeState state)
    : DefaultTlsServer(MeshTlsCrypto.Instance)
{
    private readonly int[] _groups = [.. MeshCrypto.GroupsFor(options.KeyExchange)];

    protected override ProtocolVersion[] GetSupportedVersions() => MeshCrypto.ProtocolVersions;

    protected override int[] GetSupportedCipherSuites() => [.. MeshCrypto.CipherSuites];

    public override int[] GetSupportedGroups() => _groups;

    // Our order wins: a client that offers both gets the hybrid even if it lists X25519 first.
    public override bool PreferLocalSupportedGroups() => true;

    protected override IList<ProtocolName> GetProtocolNames() => [.. options.ApplicationProtocols.Select(ProtocolName.AsUtf8Encoding)];

    public override void NotifyClientVersion(ProtocolVersion clientVersion)
    {
        state.PeerHelloSeen = true;
        base.NotifyClientVersion(clientVersion);
    }

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        state.Complete(m_context.SecurityParameters);
    }

    public override void NotifyAlertRaised(short alertLevel, short alertDescription, string message, Exception cause) =>
        state.OnAlertRaised(alertLevel, alertDescription, message, cause);

    public override void NotifyAlertReceived(short alertLevel, short alertDescription) => state.OnAlertReceived(alertLevel, alertDescription);

    public override TlsCredentials GetCredentials() => new DotNetEcdsaSigner(credentials.BcCertificate, credentials.Key);

    public override CertificateRequest? GetCertificateRequest()
    {
        if (options.ClientCertificateMode == ClientCertificateMode.None) return null;
        return new CertificateRequest(TlsUtilities.EmptyBytes, [MeshCrypto.SignatureScheme], null, null);
    }

    public override void NotifyClientCertificate(Certificate clientCertificate)
    {
        if (clientCertificate is null || clientCertificate.IsEmpty)
        {
            if (options.ClientCertificateMode != ClientCertificateMode.Required) return;
            state.Fail(MeshTlsError.CertificateRequired, "client sent no certificate and this server requires one");
            throw new TlsFatalAlert(AlertDescription.certificate_required, "client certificate required");
        }
        try
        {
            var certs = clientCertificate.GetCertificateList();
            state.Peer = PeerCertificateValidator.Validate([.. certs.Select(c => c.GetEncoded())], trust,
                options.Time.GetUtcNow(), peerIsServer: false, expectedIdentity: null);
        }
        catch (PeerValidationException e)
        {
            state.Fail(e.Error, e.Message);
            throw new TlsFatalAlert(e.Error == MeshTlsError.CertificateExpired ? AlertDescription.certificate_expired : AlertDescription.bad_certificate, e.Message);
        }
    }
}
