using System.Text.Json.Serialization;

namespace Mesh.Admin.Contract;

/// <summary>`GET /api/v1/identities`: the trust domain, its anchors and issuer, and every workload certificate issued
/// (by identity, newest first).</summary>
public sealed record IdentitiesResponse(string? TrustDomain, IReadOnlyList<CertificateSummary>? Anchors, CertificateSummary? Issuer,
    IReadOnlyList<IssuedCertificateSummary>? Certificates);

/// <summary>A CA certificate (trust anchor or issuer); <c>DaysLeft</c> is negative once it expired.</summary>
public sealed record CertificateSummary(string? Subject, string? Serial, DateTime? NotBefore, DateTime? NotAfter, double? DaysLeft);

/// <summary>A workload certificate the silo issued.</summary>
public sealed record IssuedCertificateSummary(string? Identity, string? Serial, DateTimeOffset? NotBefore, DateTimeOffset? NotAfter,
    bool Expired, double? HoursLeft);

/// <summary>`POST /api/v1/identity/tokens` body: a workload token for namespace/serviceAccount (default namespace
/// "default"; ttlSeconds omitted = the silo's default).</summary>
public sealed record TokenRequest(string? Namespace, string? ServiceAccount,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? TtlSeconds);

/// <summary>`POST /api/v1/identity/tokens`: the token and the SPIFFE id it stands for.</summary>
public sealed record TokenResponse(string? Token, string? Identity);

/// <summary>`POST /api/v1/identity/rotate-issuer`: the new issuer.</summary>
public sealed record RotateIssuerResponse(CertificateSummary? Issuer);
