using Mesh.Identity.Ca;
using Mesh.Identity.Credentials;
using Org.BouncyCastle.Tls;

namespace Mesh.Identity.Tls;

/// <summary>The BouncyCastle client policy: TLS 1.3, mesh groups and suites, ECDSA P-256, mesh-only chain validation
/// and the expected-identity check.</summary>
internal sealed class MeshTlsClientPeer(MeshTlsClientOptions options, MeshCredentials? credentials, TrustBundle trust, HandshakeState state)
    : DefaultTlsClient(MeshTlsCrypto.Instance)
{
    private readonly MeshTlsClientOptions _options = options;
    private readonly MeshCredentials? _credentials = credentials;
    private readonly TrustBundle _trust = trust;
    private readonly HandshakeState _state = state;

    private readonly int[] _groups = [.. MeshCrypto.GroupsFor(options.KeyExchange)];

    protected override ProtocolVersion[] GetSupportedVersions() => MeshCrypto.ProtocolVersions;

    protected override int[] GetSupportedCipherSuites() => [.. MeshCrypto.CipherSuites];

    protected override IList<int> GetSupportedGroups(IList<int> namedGroupRoles) => _groups;

    // Send a key share for every offered group so the server never needs a HelloRetryRequest (one round trip, like Chrome).
    public override IList<int> GetEarlyKeyShareGroups() => _groups;

    protected override IList<SignatureAndHashAlgorithm> GetSupportedSignatureAlgorithms() => [MeshCrypto.SignatureScheme];

    // No protocols: no ALPN extension at all (an empty protocol list is a malformed extension).
    protected override IList<ProtocolName>? GetProtocolNames() =>
        _options.ApplicationProtocols.Count == 0 ? null : [.. _options.ApplicationProtocols.Select(ProtocolName.AsUtf8Encoding)];

    public override void NotifyServerVersion(ProtocolVersion serverVersion)
    {
        _state.PeerHelloSeen = true;
        base.NotifyServerVersion(serverVersion);
    }

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        _state.Complete(m_context.SecurityParameters);
    }

    public override void NotifyAlertRaised(short alertLevel, short alertDescription, string message, Exception cause) =>
        _state.OnAlertRaised(alertLevel, alertDescription, message, cause);

    public override void NotifyAlertReceived(short alertLevel, short alertDescription) => _state.OnAlertReceived(alertLevel, alertDescription);

    public override TlsAuthentication GetAuthentication() => new Authentication(this);

    private sealed class Authentication(MeshTlsClientPeer peer) : TlsAuthentication
    {
        public void NotifyServerCertificate(TlsServerCertificate serverCertificate)
        {
            var certs = serverCertificate.Certificate.GetCertificateList();
            try
            {
                peer._state.Peer = PeerCertificateValidator.Validate([.. certs.Select(c => c.GetEncoded())], peer._trust,
                    peer._options.Time.GetUtcNow(), peerIsServer: true, peer._options.ExpectedIdentity);
            }
            catch (PeerValidationException e)
            {
                peer._state.Fail(e.Error, e.Message);
                throw new TlsFatalAlert(e.Error == MeshTlsError.CertificateExpired ? AlertDescription.certificate_expired : AlertDescription.bad_certificate, e.Message);
            }
        }

        public TlsCredentials? GetClientCredentials(CertificateRequest certificateRequest)
        {
            var creds = peer._credentials;
            // A server that cannot verify our only signature scheme gets no certificate (it decides whether that is fatal).
            if (creds is null || !MeshCrypto.AcceptsOurSignatureScheme(certificateRequest.SupportedSignatureAlgorithms)) return null;
            var context = certificateRequest.GetCertificateRequestContext();
            var certificate = context is { Length: > 0 }
                ? new Certificate(context, creds.BcCertificate.GetCertificateEntryList())
                : creds.BcCertificate;
            return new DotNetEcdsaSigner(certificate, creds.Key);
        }
    }
}
