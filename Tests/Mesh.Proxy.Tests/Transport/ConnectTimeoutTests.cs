using System.Net;
using System.Net.Sockets;
using System.Text;
using Mesh.Api.V1;
using Mesh.Proxy.Tests.Infrastructure;
using Mesh.Proxy.Transport;

namespace Mesh.Proxy.Tests.Transport;

/// <summary>The outbound's connect timeout to a remote endpoint bounds the TCP connect, not the mesh TLS handshake after
/// it (which has its own, longer bound): a peer that answered its SYN but is slow to shake hands — a cold or busy
/// sidecar — is reached, while one whose SYN is never answered fails with a <see cref="TimeoutException"/>. Before, one
/// 3 s bound covered both, and a sidecar on a loaded node that took longer to shake hands was failed as unreachable.</summary>
[Trait("Category", "E2E")]
public sealed class ConnectTimeoutTests : IAsyncLifetime
{
    private const string Client = "spiffe://cluster.local/ns/default/sa/client";
    private const string BooksIdentity = "spiffe://cluster.local/ns/default/sa/books";
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromMilliseconds(250);
    private MeshTopology _mesh = null!;
    private MeshTopology.Server _books = null!;

    public async Task InitializeAsync()
    {
        _mesh = await MeshTopology.StartWithMeshTlsAsync();
        _books = await _mesh.AddServerAsync("books", new InboundPolicy { Exists = true, DefaultPolicy = DefaultPolicy.AllAuthenticated });
    }

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task SlowHandshake_AfterAQuickConnect_IsNotCutByTheConnectTimeout()
    {
        // A relay in front of books' inbound that accepts at once and passes no byte for 1 s: the TCP connect is
        // immediate, the handshake takes four times the connect timeout.
        using var relay = new TcpListener(IPAddress.Loopback, 0);
        relay.Start();
        var relaying = RelayAfterAsync(relay, _books.Sidecar.Inbound, TimeSpan.FromSeconds(1));
        var connector = new MeshTlsEndpointConnector(MeshTlsPeer.Options(_mesh.Discovery.Ca!, Client));
        var endPoint = (IPEndPoint)relay.LocalEndpoint;

        await using var stream = await connector.ConnectAsync(new DnsEndPoint("127.0.0.1", endPoint.Port), BooksIdentity, http11: true,
            CancellationToken.None, ConnectTimeout);
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: {MeshTopology.Books}\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var response = await reader.ReadToEndAsync();

        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.Contains("\r\nx-app: books\r\n", response); // books' app answered, through the relay
        await relaying;
    }

    [Fact]
    public async Task PeerThatNeverAnswersTheSyn_FailsWithATimeout()
    {
        // A listener that never accepts, with its accept queue filled: Linux drops every further SYN to it.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var endPoint = (IPEndPoint)listener.LocalEndPoint!;
        var fillers = new List<Socket>();
        using var fill = new CancellationTokenSource();
        var filling = new List<Task>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                fillers.Add(s);
                filling.Add(s.ConnectAsync(endPoint, fill.Token).AsTask());
            }
            await Task.WhenAny(Task.WhenAll(filling.Take(2)), Task.Delay(TimeSpan.FromSeconds(10)));
            var connector = new MeshTlsEndpointConnector(MeshTlsPeer.Options(_mesh.Discovery.Ca!, Client));

            var error = await Assert.ThrowsAsync<TimeoutException>(async () =>
                await connector.ConnectAsync(new DnsEndPoint("127.0.0.1", endPoint.Port), BooksIdentity, http11: false, CancellationToken.None, ConnectTimeout));
            Assert.Contains($"127.0.0.1:{endPoint.Port} timed out", error.Message);

            // The caller's own cancellation stays a cancellation, not a timeout.
            using var cancelled = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
                await connector.ConnectAsync(new DnsEndPoint("127.0.0.1", endPoint.Port), BooksIdentity, http11: false, cancelled.Token, TimeSpan.FromSeconds(30)));
        }
        finally
        {
            fill.Cancel();
            foreach (var s in fillers) s.Dispose();
            await Task.WhenAll(filling.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
    }

    private static async Task RelayAfterAsync(TcpListener listener, IPEndPoint target, TimeSpan delay)
    {
        using var accepted = await listener.AcceptTcpClientAsync();
        await Task.Delay(delay);
        using var upstream = new TcpClient();
        await upstream.ConnectAsync(target);
        var (a, b) = (accepted.GetStream(), upstream.GetStream());
        await Task.WhenAny(CopyThenShutdownAsync(a, upstream.Client), CopyThenShutdownAsync(b, accepted.Client))
            .ContinueWith(_ => { }, TaskScheduler.Default);
        await Task.Delay(100);
    }

    private static async Task CopyThenShutdownAsync(Stream from, Socket to)
    {
        try
        {
            await from.CopyToAsync(new NetworkStream(to, ownsSocket: false));
            to.Shutdown(SocketShutdown.Send);
        }
        catch (IOException) { }
        catch (ObjectDisposedException) { }
        catch (SocketException) { }
    }
}
