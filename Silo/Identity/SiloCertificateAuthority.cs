using System.Collections.Immutable;
using Mesh.Abstractions.Grains;
using Mesh.Grains.Identity;
using Mesh.Identity.Ca;
using Mesh.Names;

namespace Mesh.Silo.Identity;

/// <summary>The silo's CA, shared by its identity grains: loaded from (or, on a local silo's first start, created in)
/// `&lt;data-dir&gt;/ca`, or from MESH_CA_DIR. Swapped whole on issuer rotation.</summary>
internal sealed class SiloCertificateAuthority : IWorkloadCertificateIssuer
{
    private CertificateAuthority? current;

    public SiloCertificateAuthority(string trustDomain) => TrustDomain = trustDomain;

    public bool Ready => Volatile.Read(ref current) is not null;
    public string TrustDomain { get; }

    /// <summary>The loaded authority; throws while not ready.</summary>
    public CertificateAuthority Authority => Volatile.Read(ref current) ?? throw new InvalidOperationException("the CA is not loaded yet");

    public void Set(CertificateAuthority authority)
    {
        if (authority.TrustDomain != TrustDomain)
            throw new InvalidOperationException($"CA trust domain '{authority.TrustDomain}' differs from the silo's '{TrustDomain}'");
        Volatile.Write(ref current, authority);
    }

    public CertifyOutcome Issue(string spiffeId, byte[] csrDer)
    {
        var ca = Volatile.Read(ref current);
        if (ca is null) return CertifyOutcome.Fail(CertifyError.CaUnavailable, "the certificate authority is not loaded yet; retry shortly");
        if (!SpiffeId.TryParse(spiffeId, out var id))
            return CertifyOutcome.Fail(CertifyError.InvalidCsr, $"'{spiffeId}' is not a SPIFFE id");
        var result = ca.IssueLeaf(csrDer, id);
        if (result.Rejection is { } rejection)
            return CertifyOutcome.Fail(rejection.IsPermissionDenied ? CertifyError.IdentityMismatch : CertifyError.InvalidCsr, rejection.Message);
        var issued = result.Issued!;
        return new CertifyOutcome(CertifyError.None, null, issued.Leaf.RawData,
            issued.Intermediates.Select(c => c.RawData).ToImmutableArray(), issued.NotAfter);
    }
}
