using System.Net;
using System.Net.Sockets;
using Mesh.Proxy.Transport;

namespace Mesh.Proxy.Tests.Transport;

/// <summary>The client every hop sends with, against a raw h2c origin on 127.0.0.1 that ends a connection the way nginx
/// does after its per-connection request cap: GOAWAY(NO_ERROR) and close, with a request in flight and unanswered.</summary>
public sealed class PersistentConnectionHandlerHttp2Tests
{
    [Fact]
    public async Task Send_GetOnAnHttp2ConnectionClosedGracefullyUnanswered_IsSentOnceMoreOnAFreshConnection()
    {
        using var origin = new GoawayOrigin();
        using var client = new HttpMessageInvoker(MeshForwarderHttpClientFactory.Create(new PlaintextEndpointConnector()));
        using var response = await client.SendAsync(Request(HttpMethod.Get, origin.Port), CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, origin.Requests);
        Assert.Equal(2, origin.Connections);
    }

    [Fact]
    public async Task Send_PostWithABodyOnAnHttp2ConnectionClosedUnanswered_IsNotRepeated()
    {
        using var origin = new GoawayOrigin();
        using var client = new HttpMessageInvoker(MeshForwarderHttpClientFactory.Create(new PlaintextEndpointConnector()));
        var request = Request(HttpMethod.Post, origin.Port);
        request.Content = new ByteArrayContent([1, 2, 3]);
        await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(request, CancellationToken.None));
        Assert.Equal(1, origin.Requests);
    }

    private static HttpRequestMessage Request(HttpMethod method, int port) => new(method, $"http://127.0.0.1:{port}/")
    {
        Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    /// <summary>h2c prior knowledge, frame by frame. On its first connection it reads the first request's HEADERS, then
    /// sends GOAWAY(last-stream-id = that stream, NO_ERROR) and closes without answering; later connections answer 200.</summary>
    private sealed class GoawayOrigin : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private int _requests, _connections;

        public GoawayOrigin()
        {
            _listener.Start();
            _ = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
        public int Requests => Volatile.Read(ref _requests);
        public int Connections => Volatile.Read(ref _connections);

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var socket = await _listener.AcceptSocketAsync();
                    _ = ServeAsync(socket, Interlocked.Increment(ref _connections));
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        }

        private async Task ServeAsync(Socket socket, int number)
        {
            using var _ = socket;
            using var stream = new NetworkStream(socket);
            try
            {
                var preface = new byte[24];
                await stream.ReadExactlyAsync(preface);
                await stream.WriteAsync(Frame(0x4, 0, 0, []));                      // our SETTINGS
                var header = new byte[9];
                while (true)
                {
                    await stream.ReadExactlyAsync(header);
                    var length = (header[0] << 16) | (header[1] << 8) | header[2];
                    var (type, flags) = (header[3], header[4]);
                    var id = ((header[5] & 0x7f) << 24) | (header[6] << 16) | (header[7] << 8) | header[8];
                    var payload = new byte[length];
                    await stream.ReadExactlyAsync(payload);
                    if (type == 0x4 && (flags & 0x1) == 0) await stream.WriteAsync(Frame(0x4, 0x1, 0, [])); // SETTINGS ACK
                    if (type != 0x1) continue;                                        // HEADERS of a request
                    Interlocked.Increment(ref _requests);
                    if (number == 1)
                    {
                        await stream.WriteAsync(Frame(0x7, 0, 0, [(byte)(id >> 24), (byte)(id >> 16), (byte)(id >> 8), (byte)id, 0, 0, 0, 0]));
                        socket.Shutdown(SocketShutdown.Both);
                        return;
                    }
                    await stream.WriteAsync(Frame(0x1, 0x5, id, [0x88]));              // :status 200, END_STREAM | END_HEADERS
                }
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException) { }
        }

        private static byte[] Frame(byte type, byte flags, int stream, byte[] payload) =>
            [(byte)(payload.Length >> 16), (byte)(payload.Length >> 8), (byte)payload.Length, type, flags,
             (byte)(stream >> 24), (byte)(stream >> 16), (byte)(stream >> 8), (byte)stream, .. payload];

        public void Dispose() => _listener.Stop();
    }
}
