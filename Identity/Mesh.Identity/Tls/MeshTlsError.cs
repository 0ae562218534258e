namespace Mesh.Identity.Tls;

/// <summary>Why a mesh TLS handshake or connection failed; also the <c>reason</c> label of the error metric.</summary>
public enum MeshTlsError
{
    /// <summary>The peer sent bytes that are not TLS (before any valid hello).</summary>
    Garbage,

    /// <summary>The transport closed before the handshake finished (e.g. a truncated ClientHello).</summary>
    Truncated,

    /// <summary>The handshake did not finish within the configured timeout.</summary>
    Timeout,

    /// <summary>The peer's chain does not lead to a trusted mesh anchor, or the certificate is unusable.</summary>
    BadCertificate,

    /// <summary>A certificate in the peer's chain is expired or not yet valid (beyond the clock-skew allowance).</summary>
    CertificateExpired,

    /// <summary>The server's identity is not the one the caller expected.</summary>
    IdentityMismatch,

    /// <summary>The server requires a client certificate and none was sent.</summary>
    CertificateRequired,

    /// <summary>No key-exchange group, cipher suite or version in common (e.g. strict-PQ against a classical peer).</summary>
    NoCommonParameters,

    /// <summary>The peer aborted the handshake with a fatal alert (usually: it rejected our certificate).</summary>
    PeerAlert,

    /// <summary>We have no credentials to present (no certificate yet).</summary>
    NoCredentials,

    /// <summary>Any other TLS protocol violation.</summary>
    Protocol,

    /// <summary>The transport failed (reset, refused, closed).</summary>
    Io,
}

/// <summary>Names of <see cref="MeshTlsError"/> values as metric labels (snake_case).</summary>
public static class MeshTlsErrorNames
{
    public static string Label(MeshTlsError error) => error switch
    {
        MeshTlsError.Garbage => "garbage",
        MeshTlsError.Truncated => "truncated",
        MeshTlsError.Timeout => "timeout",
        MeshTlsError.BadCertificate => "bad_certificate",
        MeshTlsError.CertificateExpired => "certificate_expired",
        MeshTlsError.IdentityMismatch => "identity_mismatch",
        MeshTlsError.CertificateRequired => "certificate_required",
        MeshTlsError.NoCommonParameters => "no_common_parameters",
        MeshTlsError.PeerAlert => "peer_alert",
        MeshTlsError.NoCredentials => "no_credentials",
        MeshTlsError.Protocol => "protocol",
        _ => "io",
    };
}

/// <summary>A mesh TLS failure with its typed reason.</summary>
public sealed class MeshTlsException(MeshTlsError error, string message, Exception? inner = null) : IOException(message, inner)
{
    public MeshTlsError Error { get; } = error;
}
