using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Identity.Ca;

namespace Mesh.Identity.Tls;

/// <summary>A peer certificate that passed validation.</summary>
internal sealed record ValidatedPeer(string Identity, X509Certificate2 Leaf);

/// <summary>A validation failure: the typed reason and a message naming the certificate.</summary>
internal sealed class PeerValidationException(MeshTlsError error, string message) : Exception(message)
{
    public MeshTlsError Error { get; } = error;
}

/// <summary>
/// Validates a peer's chain against the mesh trust bundle only (no system roots, no downloads, no revocation), checks
/// validity with the clock-skew allowance, the EKU for the peer's role, and returns the SPIFFE id of the leaf.
/// Chain building is cached per (bundle, chain bytes); the time window is re-checked on every handshake.
/// </summary>
internal static class PeerCertificateValidator
{
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";
    private const int MaxCacheEntries = 4096;

    private sealed record CachedChain(string Identity, DateTime NotBefore, DateTime NotAfter, X509Certificate2 Leaf);

    private static readonly ConditionalWeakTable<TrustBundle, ConcurrentDictionary<string, CachedChain>> Caches = new();

    /// <summary>Validates DER certificates (leaf first) presented by a peer acting as server (<paramref name="peerIsServer"/>) or client.</summary>
    public static ValidatedPeer Validate(IReadOnlyList<byte[]> chainDer, TrustBundle trust, DateTimeOffset now, bool peerIsServer, string? expectedIdentity)
    {
        if (chainDer.Count == 0) throw new PeerValidationException(MeshTlsError.BadCertificate, "peer sent an empty certificate chain");
        var cache = Caches.GetValue(trust, _ => new ConcurrentDictionary<string, CachedChain>());
        var key = CacheKey(chainDer, peerIsServer);
        if (!cache.TryGetValue(key, out var cached))
        {
            cached = BuildChain(chainDer, trust, peerIsServer);
            if (cache.Count >= MaxCacheEntries) cache.Clear();
            cache[key] = cached;
        }

        var skew = MeshCrypto.ClockSkew;
        var utcNow = now.UtcDateTime;
        if (utcNow + skew < cached.NotBefore)
            throw new PeerValidationException(MeshTlsError.CertificateExpired, $"peer certificate chain of {cached.Identity} is not valid before {cached.NotBefore:O} (now {utcNow:O})");
        if (utcNow - skew > cached.NotAfter)
            throw new PeerValidationException(MeshTlsError.CertificateExpired, $"peer certificate chain of {cached.Identity} expired at {cached.NotAfter:O} (now {utcNow:O})");
        if (expectedIdentity is not null && !string.Equals(expectedIdentity, cached.Identity, StringComparison.Ordinal))
            throw new PeerValidationException(MeshTlsError.IdentityMismatch, $"server presented identity {cached.Identity}, expected {expectedIdentity}");
        return new ValidatedPeer(cached.Identity, cached.Leaf);
    }

    private static CachedChain BuildChain(IReadOnlyList<byte[]> chainDer, TrustBundle trust, bool peerIsServer)
    {
        X509Certificate2 leaf;
        var extra = new X509Certificate2Collection();
        try
        {
            leaf = X509CertificateLoader.LoadCertificate(chainDer[0]);
            for (var i = 1; i < chainDer.Count; i++) extra.Add(X509CertificateLoader.LoadCertificate(chainDer[i]));
        }
        catch (CryptographicException e)
        {
            throw new PeerValidationException(MeshTlsError.BadCertificate, $"peer certificate does not parse: {e.Message}");
        }

        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(trust.Collection);
        policy.ExtraStore.AddRange(extra);
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        // Validity is checked by the caller with the clock-skew allowance, against the injected clock.
        policy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid;
        policy.ApplicationPolicy.Add(new Oid(peerIsServer ? ServerAuthOid : ClientAuthOid));
        if (!chain.Build(leaf))
        {
            var status = string.Join("; ", chain.ChainStatus.Select(s => $"{s.Status}: {s.StatusInformation.Trim()}"));
            throw new PeerValidationException(MeshTlsError.BadCertificate, $"peer certificate {leaf.Subject} does not chain to a mesh trust anchor ({status})");
        }

        var notBefore = DateTime.MinValue;
        var notAfter = DateTime.MaxValue;
        foreach (var element in chain.ChainElements)
        {
            var nb = element.Certificate.NotBefore.ToUniversalTime();
            var na = element.Certificate.NotAfter.ToUniversalTime();
            if (nb > notBefore) notBefore = nb;
            if (na < notAfter) notAfter = na;
        }
        var identity = SubjectAltNames.SpiffeUri(leaf)
            ?? throw new PeerValidationException(MeshTlsError.BadCertificate, $"peer certificate {leaf.Subject} carries no single spiffe:// URI SAN");
        CheckIssuerTrustDomain(chain, leaf, identity);
        return new CachedChain(identity, notBefore, notAfter, leaf);
    }

    /// <summary>Clusters that share one anchor each have an issuer for their own trust domain: a CA in the chain that
    /// names trust domains may have signed only leaves of one of them (fail closed: a CA SAN that does not parse, or
    /// names another domain, rejects the chain).</summary>
    private static void CheckIssuerTrustDomain(X509Chain chain, X509Certificate2 leaf, string identity)
    {
        var leafDomain = Names.SpiffeId.TryParse(identity, out var id) ? id.TrustDomain : null;
        for (var i = 1; i < chain.ChainElements.Count; i++)
        {
            var ca = chain.ChainElements[i].Certificate;
            List<string> domains;
            try { domains = SubjectAltNames.CaTrustDomains(ca); }
            catch (System.Formats.Asn1.AsnContentException)
            {
                throw new PeerValidationException(MeshTlsError.BadCertificate, $"CA certificate {ca.Subject} in the chain of {leaf.Subject} has a subjectAltName that does not parse");
            }
            if (domains.Count > 0 && (leafDomain is null || !domains.Contains(leafDomain, StringComparer.Ordinal)))
                throw new PeerValidationException(MeshTlsError.BadCertificate,
                    $"peer certificate {identity} was issued by {ca.Subject}, which issues only for trust domain {string.Join(", ", domains)}");
        }
    }

    private static string CacheKey(IReadOnlyList<byte[]> chainDer, bool peerIsServer)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> len = stackalloc byte[4];
        foreach (var der in chainDer)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(len, der.Length);
            hash.AppendData(len);
            hash.AppendData(der);
        }
        return (peerIsServer ? "s:" : "c:") + Convert.ToHexString(hash.GetHashAndReset());
    }
}
