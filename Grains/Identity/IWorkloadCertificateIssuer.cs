using Mesh.Abstractions.Grains;

namespace Mesh.Grains.Identity;

/// <summary>The silo's certificate authority as the identity grains see it (one per silo, shared).</summary>
public interface IWorkloadCertificateIssuer
{
    /// <summary>False until the trust anchor and issuer are loaded.</summary>
    bool Ready { get; }

    /// <summary>The trust domain of the SPIFFE ids this CA issues ("cluster.local").</summary>
    string TrustDomain { get; }

    /// <summary>Checks the CSR (parse, signature, key type, SANs = <paramref name="spiffeId"/>) and issues a leaf.</summary>
    CertifyOutcome Issue(string spiffeId, byte[] csrDer);
}
