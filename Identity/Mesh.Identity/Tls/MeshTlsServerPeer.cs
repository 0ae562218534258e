using Mesh.Identity.Ca;
using Mesh.Identity.Credentials;
using Org.BouncyCastle.Tls;

namespace Mesh.Identity.Tls;

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

    /// <summary>Checks the ClientHello before BouncyCastle uses it, so a bad one gets the alert RFC 8446 names instead of
    /// internal_error: a key share of the wrong length for its group → illegal_parameter (draft-ietf-tls-ecdhe-mlkem §4);
    /// no signature_algorithms → missing_extension; none we can sign with → handshake_failure.</summary>
    public override void ProcessClientExtensions(IDictionary<int, byte[]> clientExtensions)
    {
        base.ProcessClientExtensions(clientExtensions);
        foreach (var share in TlsExtensionsUtilities.GetKeyShareClientHello(clientExtensions) ?? [])
        {
            if (MeshCrypto.KeyShareLength(share.NamedGroup, fromClient: true) is { } expected && share.KeyExchange.Length != expected)
            {
                var message = $"client key share for {MeshCrypto.GroupName(share.NamedGroup)} has {share.KeyExchange.Length} bytes; expected {expected}";
                state.Fail(MeshTlsError.Protocol, message);
                throw new TlsFatalAlert(AlertDescription.illegal_parameter, message);
            }
        }
        var offered = TlsExtensionsUtilities.GetSignatureAlgorithmsExtension(clientExtensions);
        if (offered is null)
        {
            state.Fail(MeshTlsError.NoCommonParameters, "client sent no signature_algorithms");
            throw new TlsFatalAlert(AlertDescription.missing_extension, "client sent no signature_algorithms");
        }
        if (!MeshCrypto.AcceptsOurSignatureScheme(offered))
        {
            var message = $"client accepts no signature scheme we can sign with (it offered {string.Join(", ", offered)}; we have {MeshCrypto.SignatureScheme})";
            state.Fail(MeshTlsError.NoCommonParameters, message);
            throw new TlsFatalAlert(AlertDescription.handshake_failure, message);
        }
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
