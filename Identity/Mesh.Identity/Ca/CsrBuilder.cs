using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Names;

namespace Mesh.Identity.Ca;

/// <summary>A fresh in-memory key and the PKCS#10 request for it; the key never leaves the process.</summary>
public sealed class MeshCsr(SpiffeId identity, ECDsa key, byte[] der) : IDisposable
{
    public SpiffeId Identity { get; } = identity;

    /// <summary>The private key (P-256); pass it to <see cref="Credentials.MeshCredentials.Create"/> with the issued leaf.</summary>
    public ECDsa Key { get; } = key;

    /// <summary>DER of the request, as sent in Identity.Certify.</summary>
    public byte[] Der { get; } = der;

    public void Dispose() => Key.Dispose();
}

/// <summary>Makes the key and CSR a proxy sends to the CA.</summary>
public static class CsrBuilder
{
    /// <summary>Creates a P-256 key in memory and a CSR with subject CN=&lt;dns name&gt; and SANs URI=spiffe id, DNS=dns name.</summary>
    public static MeshCsr Create(SpiffeId identity)
    {
        var key = MeshCrypto.CreateKey();
        var request = new CertificateRequest(new X500DistinguishedName($"CN={identity.DnsName}"), key, MeshCrypto.Hash);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(identity.Uri));
        san.AddDnsName(identity.DnsName);
        request.CertificateExtensions.Add(san.Build(false));
        return new MeshCsr(identity, key, request.CreateSigningRequest());
    }
}
