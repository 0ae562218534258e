using Mesh.Identity.Ca;
using Mesh.Identity.Credentials;
using Mesh.Identity.Tls;
using Mesh.Names;

namespace Mesh.Identity.Tests.Ca;

/// <summary>Two clusters, one trust anchor, an issuer each (east.mesh, west.mesh), as `mesh identity issuer` makes them:
/// real TLS handshakes on 127.0.0.1 verify each other's identities; an issuer cannot mint the other domain's.</summary>
public sealed class SharedAnchorTests
{
    private static readonly CertificateAuthority Root = CertificateAuthority.Create("anchor.mesh");
    private readonly CertificateAuthority _east = CertificateAuthority.FromAnchor(Root.Anchor, "east.mesh");
    private readonly CertificateAuthority _west = CertificateAuthority.FromAnchor(Root.Anchor, "west.mesh");

    private static MeshCredentials Issue(CertificateAuthority ca, SpiffeId id)
    {
        var csr = CsrBuilder.Create(id);
        return MeshCredentials.Create(csr, ca.IssueLeafOrThrow(csr.Der, id), ca.TrustBundle);
    }

    private static MeshTlsServerOptions Server(MeshCredentials c) =>
        new() { Credentials = new MeshCredentialsHolder(c), ClientCertificateMode = ClientCertificateMode.Required };

    private static MeshTlsClientOptions Client(MeshCredentials c, string expected) =>
        new() { Credentials = new MeshCredentialsHolder(c), ExpectedIdentity = expected };

    [Fact]
    public async Task Handshake_EastClientWestServer_EachSeesTheOthersTrustDomain()
    {
        var books = Issue(_west, SpiffeId.Create("west.mesh", "default", "books"));
        var web = Issue(_east, SpiffeId.Create("east.mesh", "default", "web"));
        var (c, s) = await Loopback.HandshakeAsync(Client(web, "spiffe://west.mesh/ns/default/sa/books"), Server(books));
        await using var client = await c;
        await using var server = await s;
        Assert.Equal("spiffe://east.mesh/ns/default/sa/web", server.PeerIdentity);
        Assert.Equal("spiffe://west.mesh/ns/default/sa/books", client.PeerIdentity);
    }

    [Fact]
    public async Task Handshake_EastIssuerMintedAWestIdentity_Rejected()
    {
        // What a compromised east issuer could do if the validator trusted the anchor alone.
        var key = MeshCrypto.CreateKey();
        var forgedLeaf = _east.IssueForKey(new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=x", key, MeshCrypto.Hash).PublicKey,
            SpiffeId.Create("west.mesh", "default", "books"));
        var forged = MeshCredentials.Create(key, forgedLeaf.Leaf, forgedLeaf.Intermediates, _east.TrustBundle);
        var web = Issue(_east, SpiffeId.Create("east.mesh", "default", "web"));

        var (c, _) = await Loopback.HandshakeAsync(Client(web, "spiffe://west.mesh/ns/default/sa/books"), Server(forged));
        var failure = await Loopback.FailureOf(c);
        Assert.Equal(MeshTlsError.BadCertificate, failure.Error);
        Assert.Contains("issues only for trust domain east.mesh", failure.Message);
    }

    [Fact]
    public async Task Handshake_IssuerUnderAnotherAnchor_Rejected()
    {
        var stranger = CertificateAuthority.FromAnchor(CertificateAuthority.Create("anchor.mesh").Anchor, "west.mesh");
        var books = Issue(stranger, SpiffeId.Create("west.mesh", "default", "books"));
        var web = Issue(_east, SpiffeId.Create("east.mesh", "default", "web"));
        var (c, _) = await Loopback.HandshakeAsync(Client(web, "spiffe://west.mesh/ns/default/sa/books"), Server(books));
        Assert.Equal(MeshTlsError.BadCertificate, (await Loopback.FailureOf(c)).Error);
    }

    [Fact]
    public void FromAnchor_SavedCaHoldsNoAnchorKey_AndLoadsOnlyForItsTrustDomain()
    {
        var dir = Directory.CreateTempSubdirectory("mesh-shared-anchor-").FullName;
        try
        {
            _west.Save(dir);
            Assert.False(File.Exists(Path.Combine(dir, CertificateAuthority.AnchorKeyFile)));
            Assert.Equal(Root.Anchor.Thumbprint, CertificateAuthority.Load(dir, "west.mesh").Anchor.Thumbprint);
            var wrong = Assert.Throws<InvalidOperationException>(() => CertificateAuthority.Load(dir, "east.mesh"));
            Assert.Contains("the issuer is for trust domain west.mesh, not east.mesh", wrong.Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void FromAnchor_AnchorWithoutKeyOrNotACa_ArgumentException()
    {
        Assert.Contains("private key", Assert.Throws<ArgumentException>(() => CertificateAuthority.FromAnchor(_west.Anchor, "x.mesh")).Message);
        using var key = MeshCrypto.CreateKey();
        using var notACa = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=not a ca", key, MeshCrypto.Hash)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
        Assert.Contains("not a CA certificate", Assert.Throws<ArgumentException>(() => CertificateAuthority.FromAnchor(notACa, "x.mesh")).Message);
        Assert.Throws<ArgumentException>(() => CertificateAuthority.FromAnchor(Root.Anchor, "Not A Domain"));
    }
}
