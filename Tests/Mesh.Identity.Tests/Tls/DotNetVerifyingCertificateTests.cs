using System.Security.Cryptography;
using Mesh.Identity.Tls;
using Org.BouncyCastle.Tls;

namespace Mesh.Identity.Tests.Tls;

public sealed class DotNetVerifyingCertificateTests
{
    [Fact]
    public void VerifySignature_SignedByLeafKey_TrueAndTamperedFalse()
    {
        var pki = new TestPki();
        var csr = Mesh.Identity.Ca.CsrBuilder.Create(TestPki.Id("a", "b"));
        var leaf = pki.Ca.IssueLeafOrThrow(csr.Der, TestPki.Id("a", "b")).Leaf;
        var message = RandomNumberGenerator.GetBytes(100);
        var signature = csr.Key.SignData(message, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

        var certificate = MeshTlsCrypto.Instance.CreateCertificate(leaf.RawData);
        Assert.IsType<DotNetVerifyingCertificate>(certificate);
        var verifier = certificate.CreateVerifier(SignatureScheme.ecdsa_secp256r1_sha256);
        verifier.Stream.Write(message);
        verifier.Stream.Dispose(); // BouncyCastle disposes the stream before asking for the verdict
        Assert.True(verifier.VerifySignature(signature));

        var again = certificate.CreateVerifier(SignatureScheme.ecdsa_secp256r1_sha256);
        message[0] ^= 1;
        again.Stream.Write(message);
        Assert.False(again.VerifySignature(signature));
    }
}
