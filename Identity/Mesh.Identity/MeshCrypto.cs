using System.Collections.Immutable;
using System.Security.Cryptography;
using Org.BouncyCastle.Tls;

namespace Mesh.Identity;

/// <summary>Every cryptographic choice of the mesh, in one place: nothing else in the code base picks an algorithm.</summary>
public static class MeshCrypto
{
    /// <summary>TLS 1.3 only: no downgrade, one handshake shape to reason about.</summary>
    internal static ProtocolVersion[] ProtocolVersions => ProtocolVersion.TLSv13.Only();

    /// <summary>IANA code point of the hybrid ML-KEM-768 + X25519 group (draft-ietf-tls-ecdhe-mlkem).</summary>
    public const int X25519MLKem768 = NamedGroup.X25519MLKEM768; // 4588

    /// <summary>IANA code point of classical X25519.</summary>
    public const int X25519 = NamedGroup.x25519; // 29

    /// <summary>Key-exchange groups in preference order: post-quantum hybrid first, classical X25519 as fallback.</summary>
    public static ImmutableArray<int> Groups { get; } = [X25519MLKem768, X25519];

    /// <summary>Groups under strict post-quantum mode: the hybrid only, so a classical-only peer cannot connect.</summary>
    public static ImmutableArray<int> StrictPqGroups { get; } = [X25519MLKem768];

    /// <summary>Groups of a peer without post-quantum support (interop tests and benchmarks only).</summary>
    public static ImmutableArray<int> ClassicalGroups { get; } = [X25519];

    /// <summary>The key-exchange groups for a mode.</summary>
    public static ImmutableArray<int> GroupsFor(Tls.MeshKeyExchangeMode mode) => mode switch
    {
        Tls.MeshKeyExchangeMode.StrictPostQuantum => StrictPqGroups,
        Tls.MeshKeyExchangeMode.ClassicalOnly => ClassicalGroups,
        _ => Groups,
    };

    /// <summary>TLS 1.3 cipher suites in preference order (all AEAD; record layer runs on .NET's AesGcm / ChaCha20Poly1305).</summary>
    public static ImmutableArray<int> CipherSuites { get; } =
        [CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384, CipherSuite.TLS_CHACHA20_POLY1305_SHA256];

    /// <summary>The only signature scheme used in handshakes and accepted in certificates: ECDSA P-256 with SHA-256.</summary>
    internal static SignatureAndHashAlgorithm SignatureScheme { get; } =
        Org.BouncyCastle.Tls.SignatureScheme.GetSignatureAndHashAlgorithm(Org.BouncyCastle.Tls.SignatureScheme.ecdsa_secp256r1_sha256);

    /// <summary>True when a peer's signature_algorithms list lets us sign with <see cref="SignatureScheme"/> (our keys are
    /// ECDSA P-256 only, so a peer that does not offer it cannot be served).</summary>
    internal static bool AcceptsOurSignatureScheme(IEnumerable<SignatureAndHashAlgorithm>? offered) =>
        offered is not null && offered.Any(a => a.Equals(SignatureScheme));

    /// <summary>Length of a key_share's key_exchange for a group: the client's (ClientHello) or the server's (ServerHello).
    /// X25519MLKEM768 is the ML-KEM-768 part first, then X25519's 32 bytes (draft-ietf-tls-ecdhe-mlkem): the client sends
    /// the 1184-byte encapsulation key, the server the 1088-byte ciphertext. Null for groups we do not use.</summary>
    internal static int? KeyShareLength(int group, bool fromClient) => group switch
    {
        X25519MLKem768 => (fromClient ? 1184 : 1088) + 32,
        X25519 => 32,
        _ => null,
    };

    /// <summary>Curve of every mesh key (anchor, issuer, leaf).</summary>
    public static ECCurve Curve => ECCurve.NamedCurves.nistP256;

    /// <summary>OID of the P-256 curve, to check keys presented in CSRs.</summary>
    public const string CurveOid = "1.2.840.10045.3.1.7";

    /// <summary>OID of id-ecPublicKey.</summary>
    public const string EcPublicKeyOid = "1.2.840.10045.2.1";

    /// <summary>Hash used for every certificate and CSR signature.</summary>
    public static HashAlgorithmName Hash => HashAlgorithmName.SHA256;

    /// <summary>Creates a fresh key of the mesh's only key type.</summary>
    public static ECDsa CreateKey() => ECDsa.Create(Curve);

    /// <summary>Trust anchor (root) lifetime.</summary>
    public static TimeSpan AnchorLifetime { get; } = TimeSpan.FromDays(3650);

    /// <summary>Issuer (intermediate) lifetime.</summary>
    public static TimeSpan IssuerLifetime { get; } = TimeSpan.FromDays(365);

    /// <summary>Workload leaf lifetime.</summary>
    public static TimeSpan LeafLifetime { get; } = TimeSpan.FromHours(24);

    /// <summary>Fraction of a leaf's lifetime after which it is renewed.</summary>
    public const double RenewAtFraction = 0.70;

    /// <summary>Allowed clock difference between peers; certificates are backdated by it and validity checks tolerate it.</summary>
    public static TimeSpan ClockSkew { get; } = TimeSpan.FromSeconds(20);

    /// <summary>Default time allowed for a handshake before the connection is dropped.</summary>
    public static TimeSpan DefaultHandshakeTimeout { get; } = TimeSpan.FromSeconds(10);

    /// <summary>When a leaf valid from <paramref name="notBefore"/> to <paramref name="notAfter"/> should be renewed.</summary>
    public static DateTimeOffset RenewAt(DateTimeOffset notBefore, DateTimeOffset notAfter) =>
        notBefore + TimeSpan.FromTicks((long)((notAfter - notBefore).Ticks * RenewAtFraction));

    /// <summary>ALPN protocol names.</summary>
    public static class Alpn
    {
        /// <summary>HTTP/2 (proxies speak HTTP/2 to each other).</summary>
        public const string Http2 = "h2";

        /// <summary>HTTP/1.1, for clients that do not speak HTTP/2.</summary>
        public const string Http11 = "http/1.1";

        /// <summary>Opaque TCP carried over mesh TLS (a transport header names the target port).</summary>
        public const string Opaque = "mesh.opaque/1";
    }

    /// <summary>Display name of a key-exchange group ("X25519MLKEM768", "X25519").</summary>
    public static string GroupName(int group) => group switch
    {
        X25519MLKem768 => "X25519MLKEM768",
        X25519 => "X25519",
        _ => NamedGroup.GetName(group) ?? group.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Display name of a TLS 1.3 cipher suite.</summary>
    public static string CipherSuiteName(int suite) => suite switch
    {
        CipherSuite.TLS_AES_128_GCM_SHA256 => "TLS_AES_128_GCM_SHA256",
        CipherSuite.TLS_AES_256_GCM_SHA384 => "TLS_AES_256_GCM_SHA384",
        CipherSuite.TLS_CHACHA20_POLY1305_SHA256 => "TLS_CHACHA20_POLY1305_SHA256",
        _ => "0x" + suite.ToString("x4", System.Globalization.CultureInfo.InvariantCulture),
    };
}
