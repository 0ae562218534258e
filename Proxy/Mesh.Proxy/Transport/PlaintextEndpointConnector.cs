using System.Net;
using System.Net.Sockets;

namespace Mesh.Proxy.Transport;

/// <summary>Plain TCP (h2c between proxies until mesh TLS is configured, and plaintext to unmeshed endpoints).</summary>
internal sealed class PlaintextEndpointConnector : IEndpointConnector
{
    public string Name => "plaintext";

    public bool VerifiesIdentity => false;

    public async ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, string? expectedIdentity, bool http11, CancellationToken cancellationToken,
        TimeSpan? connectTimeout = null)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var bounded = connectTimeout is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (connectTimeout is { } limit) bounded!.CancelAfter(limit);
        try
        {
            await socket.ConnectAsync(endPoint, bounded?.Token ?? cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (OperationCanceledException) when (bounded is not null && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"connect to {endPoint.Host}:{endPoint.Port} timed out after {connectTimeout!.Value.TotalSeconds:0.###} s");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
