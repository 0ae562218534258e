using System.Net;
using System.Net.Sockets;
using Mesh.Identity.Tls;

namespace Mesh.Proxy.Transport;

/// <summary>Mesh mTLS to meshed endpoints (TLS 1.3, X25519MLKEM768 first, ALPN h2), checking the peer against the
/// identity discovery gave; plaintext to unmeshed ones.</summary>
internal sealed class MeshTlsEndpointConnector(MeshTlsClientOptions options) : IEndpointConnector
{
    private readonly PlaintextEndpointConnector _plaintext = new();
    private readonly MeshTlsClientOptions _opaque = OpaqueOptions(options);

    public string Name => "mesh-tls";

    public bool VerifiesIdentity => true;

    public async ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, string? expectedIdentity, CancellationToken cancellationToken)
    {
        var stream = await _plaintext.ConnectAsync(endPoint, null, cancellationToken);
        if (expectedIdentity is null) return stream;
        try
        {
            return await MeshTls.ConnectAsync(stream, options.WithExpectedIdentity(expectedIdentity), cancellationToken);
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opaque TCP over mesh TLS: ALPN mesh.opaque/1, so the peer reads the transport header instead of HTTP.</summary>
    public async ValueTask<Stream> ConnectOpaqueAsync(DnsEndPoint endPoint, string expectedIdentity, CancellationToken cancellationToken)
    {
        var stream = await _plaintext.ConnectAsync(endPoint, null, cancellationToken);
        try
        {
            return await MeshTls.ConnectAsync(stream, _opaque.WithExpectedIdentity(expectedIdentity), cancellationToken);
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    private static MeshTlsClientOptions OpaqueOptions(MeshTlsClientOptions o)
    {
        var copy = o.WithExpectedIdentity(null);
        copy.ApplicationProtocols = [Mesh.Identity.MeshCrypto.Alpn.Opaque];
        return copy;
    }
}
