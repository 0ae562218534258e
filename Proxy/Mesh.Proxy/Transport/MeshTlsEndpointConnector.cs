using System.Net;
using System.Net.Sockets;
using Mesh.Identity.Tls;

namespace Mesh.Proxy.Transport;

/// <summary>Mesh mTLS to meshed endpoints (TLS 1.3, X25519MLKEM768 first, ALPN h2 or http/1.1 by the connection's HTTP
/// version), checking the peer against the identity discovery gave; plaintext to unmeshed ones. The handshake runs on the
/// thread pool (<see cref="HandshakeOffloadStream"/>).</summary>
internal sealed class MeshTlsEndpointConnector(MeshTlsClientOptions options) : IEndpointConnector
{
    private readonly PlaintextEndpointConnector _plaintext = new();
    private readonly MeshTlsClientOptions _http11 = WithAlpn(options, Mesh.Identity.MeshCrypto.Alpn.Http11);
    private readonly MeshTlsClientOptions _opaque = WithAlpn(options, Mesh.Identity.MeshCrypto.Alpn.Opaque);

    public string Name => "mesh-tls";

    public bool VerifiesIdentity => true;

    public async ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, string? expectedIdentity, bool http11, CancellationToken cancellationToken,
        TimeSpan? connectTimeout = null)
    {
        if (expectedIdentity is null) return await _plaintext.ConnectAsync(endPoint, null, http11, cancellationToken, connectTimeout);
        return await HandshakeAsync(endPoint, (http11 ? _http11 : options).WithExpectedIdentity(expectedIdentity), cancellationToken, connectTimeout);
    }

    /// <summary>Opaque TCP over mesh TLS: ALPN mesh.opaque/1, so the peer reads the transport header instead of HTTP.</summary>
    public async ValueTask<Stream> ConnectOpaqueAsync(DnsEndPoint endPoint, string expectedIdentity, CancellationToken cancellationToken) =>
        await HandshakeAsync(endPoint, _opaque.WithExpectedIdentity(expectedIdentity), cancellationToken, connectTimeout: null);

    private async Task<Stream> HandshakeAsync(DnsEndPoint endPoint, MeshTlsClientOptions tlsOptions, CancellationToken cancellationToken,
        TimeSpan? connectTimeout)
    {
        var transport = new HandshakeOffloadStream(await _plaintext.ConnectAsync(endPoint, null, http11: false, cancellationToken, connectTimeout));
        try
        {
            var tls = await MeshTls.ConnectAsync(transport, tlsOptions, cancellationToken);
            transport.Handshaking = false;
            return tls;
        }
        catch
        {
            await transport.DisposeAsync();
            throw;
        }
    }

    private static MeshTlsClientOptions WithAlpn(MeshTlsClientOptions o, string protocol)
    {
        var copy = o.WithExpectedIdentity(null);
        copy.ApplicationProtocols = [protocol];
        return copy;
    }
}
