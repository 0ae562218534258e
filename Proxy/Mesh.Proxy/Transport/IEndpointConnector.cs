using System.Net;

namespace Mesh.Proxy.Transport;

/// <summary>Opens the byte stream to an endpoint; the mesh-mTLS implementation checks the peer against the expected identity.</summary>
public interface IEndpointConnector
{
    /// <summary>"plaintext" or "mesh-tls"; shown in /config.</summary>
    string Name { get; }

    /// <summary>true: connections to meshed endpoints are mutual TLS that checked the expected identity.</summary>
    bool VerifiesIdentity { get; }

    /// <summary>Connects to <paramref name="endPoint"/>; <paramref name="expectedIdentity"/> is the SPIFFE id discovery gave (null: unmeshed).
    /// <paramref name="http11"/>: the connection will carry HTTP/1.1 (mesh TLS offers ALPN http/1.1 instead of h2, so the
    /// peer's Kestrel serves it as HTTP/1.1). <paramref name="connectTimeout"/> bounds the TCP connect alone (then a
    /// <see cref="TimeoutException"/>); the TLS handshake has its own bound (<c>MeshTlsOptions.HandshakeTimeout</c>), so a
    /// peer that answers its SYN but is slow to shake hands (a cold or busy sidecar) is not failed as unreachable.</summary>
    ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, string? expectedIdentity, bool http11, CancellationToken cancellationToken,
        TimeSpan? connectTimeout = null);
}
