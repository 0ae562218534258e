using Mesh.Identity.Ca;

namespace Mesh.Cli.Kubernetes;

/// <summary>The certificates `mesh install` puts into the cluster, as PEM: the mesh CA's trust anchor (certificate
/// only), its issuer (certificate and key), the trust bundle, and the injector webhook's serving certificate with the
/// CA that is its caBundle.</summary>
internal sealed record InstallIdentity(
    string TrustAnchorPem, string IssuerCertPem, string IssuerKeyPem, string TrustBundlePem,
    string InjectorCaPem, string InjectorCertPem, string InjectorKeyPem)
{
    /// <summary>No certificates: for listing the install's objects (`mesh uninstall`), never for applying it.</summary>
    public static InstallIdentity None { get; } = new("", "", "", "", "", "", "");

    /// <summary>Certificates for an existing mesh CA (a fresh one from <see cref="CertificateAuthority.Create"/>, or
    /// one `mesh identity init` made) and a fresh injector certificate for the injector Service in <paramref name="ns"/>.</summary>
    public static InstallIdentity For(CertificateAuthority ca, string ns)
    {
        var service = $"{Names.KubernetesObjects.InjectorService}.{ns}.svc";
        var serving = ServingCertificate.Create([service, $"{service}.cluster.local"]);
        return new InstallIdentity(
            PemFiles.CertificatePem(ca.Anchor),
            PemFiles.CertificatePem(ca.Issuer),
            PemFiles.PrivateKeyPem(ca.Issuer),
            ca.TrustBundle.ToPem(),
            PemFiles.CertificatePem(serving.Authority),
            PemFiles.CertificatePem(serving.Leaf),
            PemFiles.PrivateKeyPem(serving.Leaf));
    }
}
