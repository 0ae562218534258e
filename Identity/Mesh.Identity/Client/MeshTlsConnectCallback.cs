using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Mesh.Identity.Tls;

namespace Mesh.Identity.Client;

/// <summary>
/// HttpClient over mesh TLS: a <see cref="SocketsHttpHandler.ConnectCallback"/> that dials TCP, runs the mesh TLS client
/// handshake (ALPN h2) and returns the encrypted stream. Use <c>http://</c> request URIs with HTTP/2 and
/// <see cref="HttpVersionPolicy.RequestVersionExact"/>: TLS is already done here, so the handler must not add its own.
/// </summary>
public static class MeshTlsConnectCallback
{
    /// <summary>Builds the callback. <paramref name="expectedIdentity"/> maps the request's host:port to the SPIFFE id
    /// the server must present (from discovery); when null, <see cref="MeshTlsClientOptions.ExpectedIdentity"/> is used.</summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> Create(
        MeshTlsClientOptions options, Func<DnsEndPoint, string?>? expectedIdentity = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return async (context, cancellationToken) =>
        {
            var endPoint = context.DnsEndPoint;
            var connectOptions = expectedIdentity is null ? options : options.WithExpectedIdentity(expectedIdentity(endPoint) ?? options.ExpectedIdentity);
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            return await MeshTls.ConnectAsync(new NetworkStream(socket, ownsSocket: true), connectOptions, cancellationToken).ConfigureAwait(false);
        };
    }

    /// <summary>A handler that speaks HTTP/2 over mesh TLS through <see cref="Create"/>.</summary>
    public static SocketsHttpHandler CreateHandler(MeshTlsClientOptions options, Func<DnsEndPoint, string?>? expectedIdentity = null) => new()
    {
        ConnectCallback = Create(options, expectedIdentity),
        EnableMultipleHttp2Connections = false,
        UseProxy = false,
    };
}
