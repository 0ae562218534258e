namespace Mesh.Identity.Kestrel;

/// <summary>Connection feature: what the mesh TLS handshake established (read by authorization and metrics).</summary>
public interface IMeshTlsFeature
{
    /// <summary>The client's SPIFFE id; null when it connected without a certificate.</summary>
    string? PeerIdentity { get; }

    /// <summary>"X25519MLKEM768" or "X25519".</summary>
    string NegotiatedGroup { get; }

    /// <summary>IANA cipher suite name.</summary>
    string CipherSuite { get; }

    /// <summary>ALPN protocol, or null.</summary>
    string? ApplicationProtocol { get; }
}
