using System.Net;
using System.Net.Sockets;
using System.Text;
using Mesh.Proxy.Transport;

namespace Mesh.Proxy.Tests.Transport;

/// <summary>The client every hop sends with, against a raw origin on 127.0.0.1 that misbehaves on purpose.</summary>
public sealed class PersistentConnectionHandlerTests
{
    [Fact]
    public async Task Send_Http10OriginThatClosesAfterEachResponse_NeverGetsARequestOnAClosingConnection()
    {
        // Answers HTTP/1.0, then keeps the socket open 300 ms before closing (as a busy server does): a client that
        // reuses it writes the next request into a connection that is about to close.
        using var origin = new RawOrigin(async (stream, head, n) =>
        {
            await stream.WriteAsync("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray());
            await Task.Delay(300);
            return false;
        });
        using var client = new HttpMessageInvoker(MeshForwarderHttpClientFactory.Create(new PlaintextEndpointConnector()));
        for (var i = 0; i < 4; i++)
        {
            // POST with a body: SocketsHttpHandler never retries those itself.
            using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{origin.Port}/") { Content = new StringContent("x") };
            using var response = await client.SendAsync(request, CancellationToken.None);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.Equal(0, origin.RequestsOnUsedConnections);
    }

    [Fact]
    public async Task Send_GetResetBeforeAnyResponseByte_IsSentOnceMoreOnAFreshConnection()
    {
        using var origin = new RawOrigin((stream, head, connection) => Task.FromResult(connection == 1), answer: true);
        using var client = new HttpMessageInvoker(MeshForwarderHttpClientFactory.Create(new PlaintextEndpointConnector()));
        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{origin.Port}/"), CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, origin.Requests);
    }

    [Fact]
    public async Task Send_PostResetBeforeAnyResponseByte_IsNotRepeated()
    {
        using var origin = new RawOrigin((stream, head, connection) => Task.FromResult(true), answer: true);
        using var client = new HttpMessageInvoker(MeshForwarderHttpClientFactory.Create(new PlaintextEndpointConnector()));
        await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{origin.Port}/"), CancellationToken.None));
        Assert.Equal(1, origin.Requests);
    }

    /// <summary>Reads request heads; <c>handle(stream, head, connectionNumber)</c> answers (returns false) or, with
    /// <c>answer</c> set, returns true to reset the connection (RST) without a byte.</summary>
    private sealed class RawOrigin : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly Func<NetworkStream, string, int, Task<bool>> _handle;
        private readonly bool _answerAfter;
        private int _requests, _late, _connections;

        public RawOrigin(Func<NetworkStream, string, int, Task<bool>> handle, bool answer = false)
        {
            _handle = handle;
            _answerAfter = answer;
            _listener.Start();
            _ = Task.Run(AcceptAsync);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
        public int Requests => Volatile.Read(ref _requests);
        public int RequestsOnUsedConnections => Volatile.Read(ref _late);

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var socket = await _listener.AcceptSocketAsync();
                    var number = Interlocked.Increment(ref _connections);
                    _ = Task.Run(() => ServeAsync(socket, number));
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        }

        private async Task ServeAsync(Socket socket, int number)
        {
            using (socket)
            {
                using var stream = new NetworkStream(socket, ownsSocket: false);
                var head = await ReadHeadAsync(stream);
                if (head is null) return;
                Interlocked.Increment(ref _requests);
                var reset = await _handle(stream, head, number);
                if (_answerAfter && reset)
                {
                    socket.LingerState = new LingerOption(true, 0);
                    return;
                }
                if (_answerAfter)
                {
                    await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"u8.ToArray());
                    return;
                }
                // Anything written after the answer went to a connection this origin closes.
                socket.Blocking = false;
                try { if (socket.Available > 0) Interlocked.Increment(ref _late); }
                catch (SocketException) { }
            }
        }

        private static async Task<string?> ReadHeadAsync(NetworkStream stream)
        {
            var sb = new StringBuilder();
            var buffer = new byte[4096];
            while (!sb.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var n = await stream.ReadAsync(buffer);
                if (n == 0) return null;
                sb.Append(Encoding.Latin1.GetString(buffer, 0, n));
            }
            return sb.ToString();
        }

        public void Dispose() => _listener.Stop();
    }
}
