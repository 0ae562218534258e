using System.Security.Cryptography;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;

namespace Mesh.Identity.Tls;

/// <summary>Signs the TLS 1.3 CertificateVerify with the .NET (OpenSSL) ECDSA key: BC hands over the SHA-256 digest
/// when no stream signer is offered, and OpenSSL signs P-256 in 17 µs CPU vs BouncyCastle's 489 µs (measured here).</summary>
internal sealed class DotNetEcdsaSigner(Certificate certificate, ECDsa key) : TlsCredentialedSigner
{
    public Certificate Certificate { get; } = certificate;

    public SignatureAndHashAlgorithm SignatureAndHashAlgorithm => MeshCrypto.SignatureScheme;

    public byte[] GenerateRawSignature(byte[] hash) => key.SignHash(hash, DSASignatureFormat.Rfc3279DerSequence);

    public TlsStreamSigner? GetStreamSigner() => null;
}
