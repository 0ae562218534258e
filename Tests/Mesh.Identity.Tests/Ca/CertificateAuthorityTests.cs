using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Identity.Ca;
using Mesh.Names;

namespace Mesh.Identity.Tests.Ca;

public sealed class CertificateAuthorityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mesh-ca-").FullName;
    private readonly CertificateAuthority _ca = CertificateAuthority.Create();
    private static readonly SpiffeId Books = SpiffeId.Create("cluster.local", "books", "books");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void IssueLeaf_ValidCsr_LeafHasMeshShape()
    {
        using var csr = CsrBuilder.Create(Books);
        var before = DateTimeOffset.UtcNow;
        var issued = _ca.IssueLeafOrThrow(csr.Der, Books);
        var leaf = issued.Leaf;

        var (uris, dns) = SubjectAltNames.Read(leaf.Extensions);
        Assert.Equal(["spiffe://cluster.local/ns/books/sa/books"], uris);
        Assert.Equal(["books.books.serviceaccount.identity.mesh.cluster.local"], dns);
        var eku = leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single();
        Assert.Equal(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], eku.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value!).ToArray());
        Assert.False(leaf.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.InRange(issued.NotBefore, before.AddSeconds(-22), before.AddSeconds(-18));
        Assert.InRange(issued.NotAfter - issued.NotBefore, TimeSpan.FromHours(24), TimeSpan.FromHours(24).Add(TimeSpan.FromSeconds(21)));
        Assert.Equal(_ca.Issuer.Thumbprint, issued.Intermediates.Single().Thumbprint);
        Assert.Equal("ECDsa", leaf.GetKeyAlgorithmParametersString() is not null ? "ECDsa" : "");
        using var pub = leaf.GetECDsaPublicKey()!;
        Assert.Equal(csr.Key.ExportSubjectPublicKeyInfo(), pub.ExportSubjectPublicKeyInfo());
    }

    [Fact]
    public void IssueLeaf_TwoLeaves_RandomDistinctSerials()
    {
        using var a = CsrBuilder.Create(Books);
        using var b = CsrBuilder.Create(Books);
        var s1 = _ca.IssueLeafOrThrow(a.Der, Books).SerialNumber;
        var s2 = _ca.IssueLeafOrThrow(b.Der, Books).SerialNumber;
        Assert.NotEqual(s1, s2);
        Assert.True(s1.Length >= 30, $"serial {s1} is too short to be random");
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void SaveLoad_RoundTrip_KeysAreOwnerOnly()
    {
        _ca.Save(_dir);
        foreach (var key in new[] { CertificateAuthority.AnchorKeyFile, CertificateAuthority.IssuerKeyFile })
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, key)));
        var loaded = CertificateAuthority.Load(_dir);
        Assert.Equal(_ca.Anchor.Thumbprint, loaded.Anchor.Thumbprint);
        Assert.Equal(_ca.Issuer.Thumbprint, loaded.Issuer.Thumbprint);
        Assert.True(loaded.Issuer.HasPrivateKey);
        using var csr = CsrBuilder.Create(Books);
        Assert.True(loaded.IssueLeaf(csr.Der, Books).IsSuccess);
        var rotated = loaded.RotateIssuer();
        Assert.NotEqual(loaded.Issuer.Thumbprint, rotated.Issuer.Thumbprint);
        Assert.Equal(loaded.Anchor.Thumbprint, rotated.Anchor.Thumbprint);
    }

    [Fact]
    public void LoadOrCreate_EmptyDirectoryThenAgain_CreatesOnceThenLoads()
    {
        var first = CertificateAuthority.LoadOrCreate(_dir);
        var second = CertificateAuthority.LoadOrCreate(_dir);
        Assert.Equal(first.Issuer.Thumbprint, second.Issuer.Thumbprint);
    }

    [Fact]
    public void Load_MissingIssuerKey_ThrowsNamingTheFile()
    {
        _ca.Save(_dir);
        File.Delete(Path.Combine(_dir, CertificateAuthority.IssuerKeyFile));
        var e = Assert.Throws<FileNotFoundException>(() => CertificateAuthority.Load(_dir));
        Assert.Contains(CertificateAuthority.IssuerKeyFile, e.Message);
    }

    [Fact]
    public void TrustBundle_TwoAnchorsPem_RoundTrips()
    {
        var other = CertificateAuthority.Create();
        var bundle = _ca.TrustBundle.With(other.Anchor);
        var path = Path.Combine(_dir, "bundle.pem");
        bundle.Save(path);
        var loaded = TrustBundle.Load(path);
        Assert.Equal(bundle.Thumbprints.Order(), loaded.Thumbprints.Order());
        Assert.All(loaded.Anchors, a => Assert.False(a.HasPrivateKey));
    }

    [Fact]
    public void TrustBundle_PemWithoutCertificates_FormatException()
    {
        Assert.Throws<FormatException>(() => TrustBundle.FromPem("not a pem"));
    }

    [Fact]
    public void RotateIssuer_LoadedWithoutAnchorKey_ExplainsWhy()
    {
        _ca.Save(_dir);
        File.Delete(Path.Combine(_dir, CertificateAuthority.AnchorKeyFile));
        var loaded = CertificateAuthority.Load(_dir);
        var e = Assert.Throws<InvalidOperationException>(() => loaded.RotateIssuer());
        Assert.Contains("anchor's private key", e.Message);
    }
}
