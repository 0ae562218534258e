using System.Collections.Immutable;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Names;

namespace Mesh.Identity.Ca;

/// <summary>
/// The mesh certificate authority: a trust anchor (root) and an issuer (intermediate) that signs 24 h workload leaves.
/// Immutable: <see cref="RotateIssuer"/> returns a new authority, so callers swap it whole.
/// </summary>
public sealed class CertificateAuthority
{
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>File names inside a CA directory.</summary>
    public const string AnchorCertFile = "trust-anchor.crt", AnchorKeyFile = "trust-anchor.key",
        IssuerCertFile = "issuer.crt", IssuerKeyFile = "issuer.key", BundleFile = "trust-bundle.pem";

    private readonly TimeProvider _time;

    private CertificateAuthority(string trustDomain, X509Certificate2 anchor, X509Certificate2 issuer, TrustBundle bundle, TimeProvider time)
    {
        if (!issuer.HasPrivateKey) throw new ArgumentException("the issuer certificate must carry its private key", nameof(issuer));
        TrustDomain = trustDomain;
        Anchor = anchor;
        Issuer = issuer;
        TrustBundle = bundle;
        _time = time;
    }

    public string TrustDomain { get; }

    /// <summary>The current trust anchor; carries its private key when this authority may create issuers.</summary>
    public X509Certificate2 Anchor { get; }

    /// <summary>The issuer (intermediate) with its private key.</summary>
    public X509Certificate2 Issuer { get; }

    /// <summary>Every anchor peers should trust (the current one plus any kept during rotation).</summary>
    public TrustBundle TrustBundle { get; }

    /// <summary>Creates a new anchor (10 y) and issuer (1 y).</summary>
    public static CertificateAuthority Create(string trustDomain = SpiffeId.DefaultTrustDomain, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var now = time.GetUtcNow();
        using var anchorKey = MeshCrypto.CreateKey();
        var request = new CertificateRequest(new X500DistinguishedName($"CN=mesh trust anchor {trustDomain}"), anchorKey, MeshCrypto.Hash);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var selfSigned = request.CreateSelfSigned(now - MeshCrypto.ClockSkew, now + MeshCrypto.AnchorLifetime);
        var anchor = PemFiles.WithKey(selfSigned, anchorKey);
        var issuer = CreateIssuer(trustDomain, anchor, now);
        return new CertificateAuthority(trustDomain, anchor, issuer, new TrustBundle([PublicOnly(anchor)]), time);
    }

    /// <summary>An issuer for <paramref name="trustDomain"/> under an existing anchor (<paramref name="anchor"/> with its
    /// private key): one cluster of several that share the anchor, each with its own trust domain and issuer. The
    /// authority keeps only the anchor's public half, so saving it never copies the anchor key to the cluster.</summary>
    public static CertificateAuthority FromAnchor(X509Certificate2 anchor, string trustDomain, TimeProvider? time = null)
    {
        if (!anchor.HasPrivateKey) throw new ArgumentException("creating an issuer needs the trust anchor's private key", nameof(anchor));
        var basic = anchor.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
        if (basic is not { CertificateAuthority: true })
            throw new ArgumentException($"{anchor.Subject} is not a CA certificate (basicConstraints CA:TRUE missing)", nameof(anchor));
        SpiffeId.Create(trustDomain, "ns", "sa"); // the trust domain's syntax, with SpiffeId's own message
        time ??= TimeProvider.System;
        var now = time.GetUtcNow();
        if (anchor.NotAfter.ToUniversalTime() <= now)
            throw new ArgumentException($"the trust anchor {anchor.Subject} expired at {anchor.NotAfter.ToUniversalTime():O}", nameof(anchor));
        var publicAnchor = PublicOnly(anchor);
        return new CertificateAuthority(trustDomain, publicAnchor, CreateIssuer(trustDomain, anchor, now), new TrustBundle([publicAnchor]), time);
    }

    /// <summary>A new issuer under the same anchor. Leaves signed by the old issuer stay valid: peers chain them through the
    /// intermediate they carry, and the anchor did not change.</summary>
    public CertificateAuthority RotateIssuer()
    {
        if (!Anchor.HasPrivateKey) throw new InvalidOperationException("issuer rotation needs the trust anchor's private key, which this authority was loaded without");
        return new CertificateAuthority(TrustDomain, Anchor, CreateIssuer(TrustDomain, Anchor, _time.GetUtcNow()), TrustBundle, _time);
    }

    /// <summary>This authority with extra trusted anchors (anchor rotation: trust old and new at once).</summary>
    public CertificateAuthority WithTrustBundle(TrustBundle bundle) => new(TrustDomain, Anchor, Issuer, bundle, _time);

    /// <summary>Validates <paramref name="csrDer"/> for <paramref name="requested"/> and, when valid, issues a 24 h leaf.</summary>
    public IssueResult IssueLeaf(ReadOnlySpan<byte> csrDer, SpiffeId requested)
    {
        if (requested.TrustDomain != TrustDomain)
            return new CsrRejection(CsrError.IdentityMismatch, $"identity {requested.Uri} is outside trust domain {TrustDomain}");
        var rejection = CsrValidator.Validate(csrDer, requested, out var request);
        if (rejection is not null) return rejection;
        return IssueForKey(request!.PublicKey, requested);
    }

    /// <summary>Like <see cref="IssueLeaf"/> but throws <see cref="CsrRejectedException"/>.</summary>
    public IssuedLeaf IssueLeafOrThrow(ReadOnlySpan<byte> csrDer, SpiffeId requested)
    {
        var result = IssueLeaf(csrDer, requested);
        return result.Issued ?? throw new CsrRejectedException(result.Rejection!);
    }

    /// <summary>Issues a leaf for an already-checked public key. <paramref name="ipAddresses"/> adds IP SANs (for
    /// endpoints browsers reach by address); <paramref name="lifetime"/> overrides the 24 h default.</summary>
    internal IssuedLeaf IssueForKey(PublicKey publicKey, SpiffeId identity, IEnumerable<IPAddress>? ipAddresses = null,
        TimeSpan? lifetime = null, DateTimeOffset? notBefore = null)
    {
        var start = notBefore ?? _time.GetUtcNow() - MeshCrypto.ClockSkew;
        var end = start + MeshCrypto.ClockSkew + (lifetime ?? MeshCrypto.LeafLifetime);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={identity.DnsName}"), publicKey, MeshCrypto.Hash);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuthOid), new Oid(ClientAuthOid)], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(identity.Uri));
        san.AddDnsName(identity.DnsName);
        foreach (var ip in ipAddresses ?? []) san.AddIpAddress(ip);
        request.CertificateExtensions.Add(san.Build(false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Issuer, true, false));
        if (end > Issuer.NotAfter.ToUniversalTime()) end = Issuer.NotAfter.ToUniversalTime();
        var leaf = request.Create(Issuer, start, end, RandomSerial());
        return new IssuedLeaf(leaf, [PublicOnly(Issuer)]);
    }

    /// <summary>Writes anchor, issuer and bundle to <paramref name="directory"/>; private keys get mode 0600.</summary>
    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        PemFiles.WriteAtomically(Path.Combine(directory, AnchorCertFile), PemFiles.CertificatePem(Anchor), secret: false);
        if (Anchor.HasPrivateKey) PemFiles.WriteAtomically(Path.Combine(directory, AnchorKeyFile), PemFiles.PrivateKeyPem(Anchor), secret: true);
        PemFiles.WriteAtomically(Path.Combine(directory, IssuerKeyFile), PemFiles.PrivateKeyPem(Issuer), secret: true);
        PemFiles.WriteAtomically(Path.Combine(directory, IssuerCertFile), PemFiles.CertificatePem(Issuer), secret: false);
        TrustBundle.Save(Path.Combine(directory, BundleFile));
    }

    /// <summary>Loads an authority saved by <see cref="Save"/>. The anchor key is optional (then no issuer rotation);
    /// the bundle file is optional (defaults to the anchor alone).</summary>
    public static CertificateAuthority Load(string directory, string trustDomain = SpiffeId.DefaultTrustDomain, TimeProvider? time = null)
    {
        var anchor = PemFiles.LoadCertificate(Path.Combine(directory, AnchorCertFile), Path.Combine(directory, AnchorKeyFile));
        var issuerKey = Path.Combine(directory, IssuerKeyFile);
        if (!File.Exists(issuerKey)) throw new FileNotFoundException($"CA directory {directory}: missing {IssuerKeyFile}", issuerKey);
        var issuer = PemFiles.LoadCertificate(Path.Combine(directory, IssuerCertFile), issuerKey);
        // An issuer made for another trust domain would sign leaves every peer rejects: say so at load instead.
        var named = SubjectAltNames.CaTrustDomains(issuer);
        if (named.Count > 0 && !named.Contains(trustDomain, StringComparer.Ordinal))
            throw new InvalidOperationException($"CA directory {directory}: the issuer is for trust domain {string.Join(", ", named)}, not {trustDomain}; start with that trust domain (MESH_TRUST_DOMAIN)");
        var bundlePath = Path.Combine(directory, BundleFile);
        var bundle = File.Exists(bundlePath) ? TrustBundle.Load(bundlePath) : new TrustBundle([PublicOnly(anchor)]);
        if (!bundle.Thumbprints.Contains(anchor.Thumbprint)) bundle = bundle.With(PublicOnly(anchor));
        return new CertificateAuthority(trustDomain, anchor, issuer, bundle, time ?? TimeProvider.System);
    }

    /// <summary>Loads the authority from <paramref name="directory"/> or creates and saves a new one (first start of a local silo).</summary>
    public static CertificateAuthority LoadOrCreate(string directory, string trustDomain = SpiffeId.DefaultTrustDomain, TimeProvider? time = null)
    {
        if (File.Exists(Path.Combine(directory, IssuerKeyFile))) return Load(directory, trustDomain, time);
        var ca = Create(trustDomain, time);
        ca.Save(directory);
        return ca;
    }

    private static X509Certificate2 CreateIssuer(string trustDomain, X509Certificate2 anchor, DateTimeOffset now)
    {
        using var key = MeshCrypto.CreateKey();
        var request = new CertificateRequest(new X500DistinguishedName($"CN=mesh issuer {trustDomain} {now:yyyy-MM-ddTHH:mm:ssZ}"), key, MeshCrypto.Hash);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(anchor, true, false));
        // The issuer names its trust domain (SPIFFE: a CA's id is the trust domain alone): peers that share the anchor
        // accept from it only leaves of that trust domain (PeerCertificateValidator), so east's issuer cannot mint
        // west's identities.
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(SpiffeId.Scheme + trustDomain));
        request.CertificateExtensions.Add(san.Build());
        var end = now + MeshCrypto.IssuerLifetime;
        if (end > anchor.NotAfter.ToUniversalTime()) end = anchor.NotAfter.ToUniversalTime();
        using var issuer = request.Create(anchor, now - MeshCrypto.ClockSkew, end, RandomSerial());
        return PemFiles.WithKey(issuer, key);
    }

    internal static X509Certificate2 PublicOnly(X509Certificate2 certificate) => X509CertificateLoader.LoadCertificate(certificate.RawData);

    private static byte[] RandomSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01); // positive and without a leading zero octet
        return serial;
    }
}
