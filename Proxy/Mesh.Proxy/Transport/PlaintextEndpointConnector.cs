using System.Net;
using System.Net.Sockets;

namespace Mesh.Proxy.Transport;

/// <summary>Plain TCP (h2c between proxies until mesh TLS is configured, and plaintext to unmeshed endpoints).</summary>
internal sealed class PlaintextEndpointConnector : IEndpointConnector
{
    public string Name => "plaintext";

    public bool VerifiesIdentity => false;

    public async ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, string? expectedIdentity, bool http11, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
