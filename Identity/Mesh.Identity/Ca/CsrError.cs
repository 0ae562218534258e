namespace Mesh.Identity.Ca;

/// <summary>Why a certificate signing request was refused. The silo maps these to gRPC status codes.</summary>
public enum CsrError
{
    /// <summary>The bytes are not a DER PKCS#10 request (InvalidArgument).</summary>
    Malformed,

    /// <summary>The request's self-signature does not verify: the sender does not hold the key (InvalidArgument).</summary>
    BadSignature,

    /// <summary>The key is not an elliptic-curve key, e.g. RSA (InvalidArgument).</summary>
    UnsupportedKeyType,

    /// <summary>The key is an elliptic-curve key on a curve other than P-256 (InvalidArgument).</summary>
    UnsupportedCurve,

    /// <summary>The subject or a SAN names an identity other than the one the caller is entitled to (PermissionDenied).</summary>
    IdentityMismatch,
}

/// <summary>A refused CSR: the reason as a value plus a message that names the offending field.</summary>
public sealed record CsrRejection(CsrError Error, string Message)
{
    /// <summary>True when the refusal is about authorization (map to PermissionDenied), false for bad input (InvalidArgument).</summary>
    public bool IsPermissionDenied => Error == CsrError.IdentityMismatch;

    public override string ToString() => $"{Error}: {Message}";
}

/// <summary>Thrown by <see cref="CertificateAuthority.IssueLeafOrThrow"/> when a CSR is refused.</summary>
public sealed class CsrRejectedException(CsrRejection rejection) : Exception(rejection.ToString())
{
    public CsrRejection Rejection { get; } = rejection;
}
