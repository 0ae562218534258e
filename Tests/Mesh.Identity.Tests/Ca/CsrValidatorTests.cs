using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Identity.Ca;
using Mesh.Names;

namespace Mesh.Identity.Tests.Ca;

/// <summary>Every class of bad CSR gets its own typed rejection; a good one is issued.</summary>
public sealed class CsrValidatorTests
{
    private static readonly CertificateAuthority Ca = CertificateAuthority.Create();
    private static readonly SpiffeId Books = SpiffeId.Create("cluster.local", "books", "books");

    private static byte[] Csr(AsymmetricAlgorithm key, SpiffeId? sanId = null, string subject = "CN=books.books.serviceaccount.identity.mesh.cluster.local", X509SignatureGenerator? signer = null)
    {
        var request = key switch
        {
            ECDsa ec => new CertificateRequest(subject, ec, HashAlgorithmName.SHA256),
            RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            _ => throw new ArgumentException("key"),
        };
        if (sanId is not null)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddUri(new Uri(sanId.Uri));
            request.CertificateExtensions.Add(san.Build());
        }
        return signer is null ? request.CreateSigningRequest() : request.CreateSigningRequest(signer);
    }

    private static CsrRejection Reject(byte[] der, SpiffeId? requested = null)
    {
        var result = Ca.IssueLeaf(der, requested ?? Books);
        Assert.False(result.IsSuccess);
        return result.Rejection!;
    }

    [Fact]
    public void IssueLeaf_CsrFromBuilder_Issued()
    {
        using var csr = CsrBuilder.Create(Books);
        Assert.True(Ca.IssueLeaf(csr.Der, Books).IsSuccess);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(100)]
    public void IssueLeaf_GarbageDer_Malformed(int length)
    {
        var garbage = new byte[length];
        new Random(length).NextBytes(garbage);
        var rejection = Reject(garbage);
        Assert.Equal(CsrError.Malformed, rejection.Error);
        Assert.False(rejection.IsPermissionDenied);
    }

    [Fact]
    public void IssueLeaf_TruncatedDer_Malformed()
    {
        using var csr = CsrBuilder.Create(Books);
        Assert.Equal(CsrError.Malformed, Reject(csr.Der[..(csr.Der.Length / 2)]).Error);
    }

    [Fact]
    public void IssueLeaf_TrailingBytes_Malformed()
    {
        using var csr = CsrBuilder.Create(Books);
        Assert.Equal(CsrError.Malformed, Reject([.. csr.Der, 0, 1, 2]).Error);
    }

    [Fact]
    public void IssueLeaf_RsaKey_UnsupportedKeyType()
    {
        using var rsa = RSA.Create(2048);
        var rejection = Reject(Csr(rsa, Books));
        Assert.Equal(CsrError.UnsupportedKeyType, rejection.Error);
        Assert.Contains("RSA", rejection.Message);
    }

    [Fact]
    public void IssueLeaf_P384Key_UnsupportedCurve()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var rejection = Reject(Csr(p384, Books));
        Assert.Equal(CsrError.UnsupportedCurve, rejection.Error);
        Assert.Contains("1.3.132.0.34", rejection.Message);
    }

    [Fact]
    public void IssueLeaf_SignedByAnotherKey_BadSignature()
    {
        using var key = MeshCrypto.CreateKey();
        using var other = MeshCrypto.CreateKey();
        var der = Csr(key, Books, signer: X509SignatureGenerator.CreateForECDsa(other));
        Assert.Equal(CsrError.BadSignature, Reject(der).Error);
    }

    [Fact]
    public void IssueLeaf_SanNamesAnotherIdentity_IdentityMismatch()
    {
        using var key = MeshCrypto.CreateKey();
        var rejection = Reject(Csr(key, SpiffeId.Create("cluster.local", "kube-system", "admin")));
        Assert.Equal(CsrError.IdentityMismatch, rejection.Error);
        Assert.True(rejection.IsPermissionDenied);
        Assert.Contains("kube-system", rejection.Message);
    }

    [Fact]
    public void IssueLeaf_NoSan_IdentityMismatch()
    {
        using var key = MeshCrypto.CreateKey();
        Assert.Equal(CsrError.IdentityMismatch, Reject(Csr(key, sanId: null)).Error);
    }

    [Fact]
    public void IssueLeaf_SubjectNamesAnotherIdentity_IdentityMismatch()
    {
        using var key = MeshCrypto.CreateKey();
        var rejection = Reject(Csr(key, Books, subject: "CN=admin.kube-system.serviceaccount.identity.mesh.cluster.local"));
        Assert.Equal(CsrError.IdentityMismatch, rejection.Error);
    }

    [Fact]
    public void IssueLeaf_OtherTrustDomain_IdentityMismatch()
    {
        using var csr = CsrBuilder.Create(SpiffeId.Create("evil.example", "books", "books"));
        Assert.Equal(CsrError.IdentityMismatch, Reject(csr.Der, SpiffeId.Create("evil.example", "books", "books")).Error);
    }

    [Fact]
    public void IssueLeafOrThrow_BadCsr_ThrowsWithRejection()
    {
        var e = Assert.Throws<CsrRejectedException>(() => Ca.IssueLeafOrThrow([1, 2, 3], Books));
        Assert.Equal(CsrError.Malformed, e.Rejection.Error);
    }
}
