using System.Net;
using System.Security.Cryptography.X509Certificates;
using Mesh.Identity.Ca;
using Mesh.Identity.Credentials;
using Mesh.Names;

namespace Mesh.Identity.Tests;

/// <summary>A test certificate authority that hands out mesh credentials the way a proxy obtains them (key + CSR → leaf).</summary>
internal sealed class TestPki
{
    public TestPki(string trustDomain = SpiffeId.DefaultTrustDomain, TimeProvider? time = null) => Ca = CertificateAuthority.Create(trustDomain, time);

    public CertificateAuthority Ca { get; set; }

    public TrustBundle Bundle => Ca.TrustBundle;

    public static SpiffeId Id(string ns, string sa, string trustDomain = SpiffeId.DefaultTrustDomain) => SpiffeId.Create(trustDomain, ns, sa);

    /// <summary>Credentials for <paramref name="id"/> through the real CSR path.</summary>
    public MeshCredentials Issue(SpiffeId id, TrustBundle? trust = null)
    {
        var csr = CsrBuilder.Create(id);
        var issued = Ca.IssueLeafOrThrow(csr.Der, id);
        return MeshCredentials.Create(csr, issued, trust ?? Bundle);
    }

    /// <summary>Credentials with a chosen validity window or extra IP SANs (expiry and browser tests).</summary>
    public MeshCredentials IssueCustom(SpiffeId id, DateTimeOffset? notBefore = null, TimeSpan? lifetime = null, IPAddress[]? ips = null)
    {
        var key = MeshCrypto.CreateKey();
        var request = new CertificateRequest("CN=x", key, MeshCrypto.Hash);
        var issued = Ca.IssueForKey(request.PublicKey, id, ips, lifetime, notBefore);
        return MeshCredentials.Create(key, issued.Leaf, issued.Intermediates, Bundle);
    }
}

/// <summary>The system clock moved by a fixed offset, to test expiry without waiting.</summary>
internal sealed class ShiftedTimeProvider(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
}
