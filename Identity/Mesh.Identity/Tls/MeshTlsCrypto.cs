using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace Mesh.Identity.Tls;

/// <summary>
/// BouncyCastle's TLS crypto with the record layer moved to .NET's AesGcm / ChaCha20Poly1305 (OpenSSL underneath):
/// BC's managed AES-GCM costs about 3× more CPU per byte. Peer signatures are verified by .NET too (see
/// <see cref="DotNetVerifyingCertificate"/>). Key exchange (X25519, ML-KEM) stays on BouncyCastle: measured here its
/// X25519 costs the same CPU as OpenSSL's, and OpenSSL 3.0 has no ML-KEM.
/// </summary>
internal sealed class MeshTlsCrypto : BcTlsCrypto
{
    /// <summary>One shared instance: it holds only a SecureRandom, which is thread-safe.</summary>
    public static MeshTlsCrypto Instance { get; } = new();

    private MeshTlsCrypto()
        : base(new SecureRandom())
    {
    }

    /// <summary>X.509 peer certificates verify CertificateVerify signatures with .NET (see <see cref="DotNetVerifyingCertificate"/>).</summary>
    public override TlsCertificate CreateCertificate(short type, byte[] encoding) =>
        type == CertificateType.X509 ? new DotNetVerifyingCertificate(this, encoding) : base.CreateCertificate(type, encoding);

    /// <summary>ML-KEM with a peer check: an encapsulation key that is no valid key (FIPS 203's modulus check) is the
    /// peer's error, answered with illegal_parameter, not BouncyCastle's internal_error.</summary>
    public override TlsKemDomain CreateKemDomain(TlsKemConfig kemConfig) => new CheckedKemDomain(base.CreateKemDomain(kemConfig));

    /// <summary>ECDH/X25519 with the same peer check.</summary>
    public override TlsECDomain CreateECDomain(TlsECConfig ecConfig) => new CheckedECDomain(base.CreateECDomain(ecConfig));

    private sealed class CheckedKemDomain(TlsKemDomain inner) : TlsKemDomain
    {
        public TlsAgreement CreateKem() => new PeerCheckedAgreement(inner.CreateKem());
    }

    private sealed class CheckedECDomain(TlsECDomain inner) : TlsECDomain
    {
        public TlsAgreement CreateECDH() => new PeerCheckedAgreement(inner.CreateECDH());
    }

    /// <summary>Turns a failure caused by the peer's value (decoding it, or a server encapsulating to it) into the
    /// illegal_parameter alert; the agreement itself is BouncyCastle's.</summary>
    private sealed class PeerCheckedAgreement(TlsAgreement inner) : TlsAgreement
    {
        private bool _peerValueSeen;

        public byte[] GenerateEphemeral()
        {
            if (!_peerValueSeen) return inner.GenerateEphemeral();
            try { return inner.GenerateEphemeral(); }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException) { throw Illegal(e); }
        }

        public void ReceivePeerValue(byte[] peerValue)
        {
            _peerValueSeen = true;
            try { inner.ReceivePeerValue(peerValue); }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException) { throw Illegal(e); }
        }

        public TlsSecret CalculateSecret() => inner.CalculateSecret();

        private static TlsFatalAlert Illegal(Exception e) =>
            new(AlertDescription.illegal_parameter, $"peer key share is not a valid key: {e.Message}", e);
    }

    protected override TlsAeadCipher CreateCipher_Aes_Gcm(TlsCryptoParameters cryptoParams, int cipherKeySize, int macSize) =>
        new(cryptoParams, new DotNetAeadCipher(DotNetAeadCipher.Algorithm.AesGcm, encrypt: true),
            new DotNetAeadCipher(DotNetAeadCipher.Algorithm.AesGcm, encrypt: false), cipherKeySize, macSize, TlsAeadCipher.AEAD_GCM);

    protected override TlsCipher CreateChaCha20Poly1305(TlsCryptoParameters cryptoParams) =>
        new TlsAeadCipher(cryptoParams, new DotNetAeadCipher(DotNetAeadCipher.Algorithm.ChaCha20Poly1305, encrypt: true),
            new DotNetAeadCipher(DotNetAeadCipher.Algorithm.ChaCha20Poly1305, encrypt: false), 32, 16, TlsAeadCipher.AEAD_CHACHA20_POLY1305);
}
