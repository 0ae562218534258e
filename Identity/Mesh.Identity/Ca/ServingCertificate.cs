using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Identity.Ca;

/// <summary>
/// A plain TLS serving certificate for an endpoint the Kubernetes API server calls (the proxy injector webhook): a
/// CA of its own — whose certificate is the webhook's <c>caBundle</c> — and a leaf for the Service's DNS names. Kept
/// apart from the mesh CA on purpose: the API server is not a mesh peer, and a mesh leaf names a SPIFFE identity, not
/// a Service. Algorithms and the lifetime (the issuer's) come from <see cref="MeshCrypto"/>.
/// </summary>
public sealed class ServingCertificate
{
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";

    private ServingCertificate(X509Certificate2 authority, X509Certificate2 leaf)
    {
        Authority = authority;
        Leaf = leaf;
    }

    /// <summary>The CA certificate (public only): what clients of the endpoint trust.</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>The serving leaf with its private key.</summary>
    public X509Certificate2 Leaf { get; }

    /// <summary>A fresh CA and a leaf for <paramref name="dnsNames"/> (the first is the subject's CN).</summary>
    public static ServingCertificate Create(IReadOnlyList<string> dnsNames, TimeProvider? time = null)
    {
        if (dnsNames.Count == 0) throw new ArgumentException("a serving certificate needs at least one DNS name", nameof(dnsNames));
        var now = (time ?? TimeProvider.System).GetUtcNow();
        var notBefore = now - MeshCrypto.ClockSkew;
        var notAfter = now + MeshCrypto.IssuerLifetime;

        using var caKey = MeshCrypto.CreateKey();
        var caRequest = new CertificateRequest(new X500DistinguishedName($"CN=mesh webhook CA {dnsNames[0]}"), caKey, MeshCrypto.Hash);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(notBefore, notAfter);

        using var leafKey = MeshCrypto.CreateKey();
        var leafRequest = new CertificateRequest(new X500DistinguishedName($"CN={dnsNames[0]}"), leafKey, MeshCrypto.Hash);
        leafRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        leafRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuthOid)], false));
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames) san.AddDnsName(name);
        leafRequest.CertificateExtensions.Add(san.Build(false));
        leafRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(leafRequest.PublicKey, false));
        leafRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        using var leaf = leafRequest.Create(ca, notBefore, notAfter, serial);

        return new ServingCertificate(CertificateAuthority.PublicOnly(ca), PemFiles.WithKey(leaf, leafKey));
    }
}
