using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Identity.Ca;
using Mesh.Names;
using Mesh.Identity.Tls;
using Org.BouncyCastle.Tls;

namespace Mesh.Identity.Credentials;

/// <summary>
/// What a peer presents and trusts: leaf + intermediates + private key + trust bundle. Immutable; a rotation builds a
/// new instance and swaps it into a <see cref="MeshCredentialsHolder"/>. The BouncyCastle form of the chain is built
/// once here, not per handshake.
/// </summary>
public sealed class MeshCredentials
{
    private MeshCredentials(ECDsa key, X509Certificate2 leaf, ImmutableArray<X509Certificate2> intermediates, TrustBundle trust, SpiffeId? identity)
    {
        Key = key;
        Leaf = leaf;
        Intermediates = intermediates;
        TrustBundle = trust;
        Identity = identity;
        var entries = new CertificateEntry[1 + intermediates.Length];
        entries[0] = new CertificateEntry(MeshTlsCrypto.Instance.CreateCertificate(leaf.RawData), null);
        for (var i = 0; i < intermediates.Length; i++)
            entries[i + 1] = new CertificateEntry(MeshTlsCrypto.Instance.CreateCertificate(intermediates[i].RawData), null);
        BcCertificate = new Certificate(TlsUtilities.EmptyBytes, entries);
    }

    /// <summary>The leaf certificate (public part).</summary>
    public X509Certificate2 Leaf { get; }

    /// <summary>Intermediates sent after the leaf (the issuer).</summary>
    public ImmutableArray<X509Certificate2> Intermediates { get; }

    /// <summary>Anchors this peer trusts when it validates the other side.</summary>
    public TrustBundle TrustBundle { get; }

    /// <summary>The identity in the leaf's URI SAN; null for a leaf without one.</summary>
    public SpiffeId? Identity { get; }

    public DateTimeOffset NotBefore => Leaf.NotBefore.ToUniversalTime();

    public DateTimeOffset NotAfter => Leaf.NotAfter.ToUniversalTime();

    /// <summary>When to ask for the next certificate (70 % of the lifetime).</summary>
    public DateTimeOffset RenewAt => MeshCrypto.RenewAt(NotBefore, NotAfter);

    internal ECDsa Key { get; }

    internal Certificate BcCertificate { get; }

    /// <summary>Credentials from a key the caller made (see <see cref="CsrBuilder"/>) and the leaf the CA returned.</summary>
    /// <exception cref="ArgumentException">The leaf's public key is not <paramref name="key"/>'s.</exception>
    public static MeshCredentials Create(ECDsa key, X509Certificate2 leaf, IEnumerable<X509Certificate2> intermediates, TrustBundle trust)
    {
        using (var leafKey = leaf.GetECDsaPublicKey())
        {
            if (leafKey is null || !leafKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
                throw new ArgumentException($"leaf {leaf.Subject} was not issued for this key", nameof(leaf));
        }
        SpiffeId.TryParse(SubjectAltNames.SpiffeUri(leaf), out var identity);
        return new MeshCredentials(key, CertificateAuthority.PublicOnly(leaf), [.. intermediates.Select(CertificateAuthority.PublicOnly)], trust, identity);
    }

    /// <summary>Credentials from DER bytes as carried by Identity.Certify.</summary>
    public static MeshCredentials Create(ECDsa key, byte[] leafDer, IEnumerable<byte[]> intermediatesDer, TrustBundle trust) =>
        Create(key, X509CertificateLoader.LoadCertificate(leafDer), intermediatesDer.Select(d => X509CertificateLoader.LoadCertificate(d)), trust);

    /// <summary>Credentials from a leaf the CA issued for a CSR made by <see cref="CsrBuilder"/>.</summary>
    public static MeshCredentials Create(MeshCsr csr, IssuedLeaf issued, TrustBundle trust) =>
        Create(csr.Key, issued.Leaf, issued.Intermediates, trust);
}
