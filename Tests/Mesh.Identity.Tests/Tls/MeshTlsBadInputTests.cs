using System.Net.Sockets;
using Mesh.Identity.Credentials;
using Mesh.Identity.Metrics;
using Mesh.Identity.Tls;

namespace Mesh.Identity.Tests.Tls;

/// <summary>Bytes that are not (complete) TLS: the server must close the connection, count it, and never hang.</summary>
public sealed class MeshTlsBadInputTests : IDisposable
{
    private readonly TestPki _pki = new();
    private readonly MeshTlsMetrics _metrics = new();
    private readonly MetricsRecorder _recorder;

    public MeshTlsBadInputTests() => _recorder = new MetricsRecorder(_metrics);

    public void Dispose()
    {
        _recorder.Dispose();
        _metrics.Dispose();
    }

    private MeshTlsServerOptions Server(TimeSpan? timeout = null) => new()
    {
        Credentials = new MeshCredentialsHolder(_pki.Issue(TestPki.Id("books", "books"))),
        Metrics = _metrics,
        HandshakeTimeout = timeout ?? MeshCrypto.DefaultHandshakeTimeout,
    };

    /// <summary>Reads until the peer closes; true when it did within the deadline.</summary>
    private static async Task<bool> ClosedByPeerAsync(NetworkStream stream)
    {
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(Loopback.Deadline);
        try
        {
            while (await stream.ReadAsync(buffer, cts.Token) > 0)
            {
                // Drain the alert, if any.
            }
            return true;
        }
        catch (IOException)
        {
            return true; // reset counts as closed
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>The first flight a mesh client sends (its ClientHello), captured from a real client.</summary>
    private async Task<byte[]> CaptureClientHelloAsync()
    {
        var (c, s) = await Loopback.ConnectAsync();
        await using var server = s;
        var options = new MeshTlsClientOptions { TrustBundle = _pki.Bundle, HandshakeTimeout = TimeSpan.FromSeconds(2), Metrics = _metrics };
        var client = MeshTls.ConnectAsync(c, options);
        var buffer = new byte[8192];
        var total = 0;
        // A hybrid ClientHello is ~1.3 KB; read until the record header's length is satisfied.
        while (total < 5 || total < 5 + ((buffer[3] << 8) | buffer[4]))
        {
            var n = await server.ReadAsync(buffer.AsMemory(total)).AsTask().WaitAsync(Loopback.Deadline);
            Assert.NotEqual(0, n);
            total += n;
        }
        server.Close();
        await Assert.ThrowsAsync<MeshTlsException>(() => client.WaitAsync(Loopback.Deadline));
        return buffer[..total];
    }

    [Fact]
    public async Task Accept_HttpRequestInsteadOfTls_ClosesAndCountsGarbage()
    {
        var (c, s) = await Loopback.ConnectAsync();
        await using var client = c;
        var accept = MeshTls.AcceptAsync(s, Server());
        await client.WriteAsync("GET / HTTP/1.1\r\nHost: books\r\n\r\n"u8.ToArray());
        var error = await Assert.ThrowsAsync<MeshTlsException>(() => accept.WaitAsync(Loopback.Deadline));
        Assert.Equal(MeshTlsError.Garbage, error.Error);
        Assert.True(await ClosedByPeerAsync(client));
        Assert.Equal(1, _recorder.Sum(MeshTlsInstrumentNames.HandshakeErrors, ("side", "server"), ("reason", "garbage")));
    }

    [Fact]
    public async Task Accept_RandomBytes_ClosesAndCountsGarbage()
    {
        var (c, s) = await Loopback.ConnectAsync();
        await using var client = c;
        var accept = MeshTls.AcceptAsync(s, Server());
        var random = new byte[4096];
        new Random(42).NextBytes(random);
        random[0] = 0x16; // looks like a handshake record, the rest is noise
        await client.WriteAsync(random);
        var error = await Assert.ThrowsAsync<MeshTlsException>(() => accept.WaitAsync(Loopback.Deadline));
        Assert.Equal(MeshTlsError.Garbage, error.Error);
        Assert.True(await ClosedByPeerAsync(client));
    }

    [Fact]
    public async Task Accept_TruncatedClientHelloThenClose_CountsTruncated()
    {
        var hello = await CaptureClientHelloAsync();
        var (c, s) = await Loopback.ConnectAsync();
        var accept = MeshTls.AcceptAsync(s, Server());
        await c.WriteAsync(hello.AsMemory(0, hello.Length / 2));
        c.Socket.Shutdown(SocketShutdown.Send);
        var error = await Assert.ThrowsAsync<MeshTlsException>(() => accept.WaitAsync(Loopback.Deadline));
        Assert.Equal(MeshTlsError.Truncated, error.Error);
        Assert.True(await ClosedByPeerAsync(c));
        await c.DisposeAsync();
        Assert.Equal(1, _recorder.Sum(MeshTlsInstrumentNames.HandshakeErrors, ("side", "server"), ("reason", "truncated")));
    }

    [Fact]
    public async Task Accept_TruncatedClientHelloThenSilence_TimesOut()
    {
        var hello = await CaptureClientHelloAsync();
        var (c, s) = await Loopback.ConnectAsync();
        await using var client = c;
        var accept = MeshTls.AcceptAsync(s, Server(TimeSpan.FromMilliseconds(500)));
        await client.WriteAsync(hello.AsMemory(0, hello.Length / 2));
        var error = await Assert.ThrowsAsync<MeshTlsException>(() => accept.WaitAsync(Loopback.Deadline));
        Assert.Equal(MeshTlsError.Timeout, error.Error);
        Assert.True(await ClosedByPeerAsync(client));
        Assert.Equal(1, _recorder.Sum(MeshTlsInstrumentNames.HandshakeErrors, ("side", "server"), ("reason", "timeout")));
    }

    [Fact]
    public async Task Connect_ServerAnswersPlainHttp_ClientReportsGarbage()
    {
        var (c, s) = await Loopback.ConnectAsync();
        await using var server = s;
        var options = new MeshTlsClientOptions { TrustBundle = _pki.Bundle, Metrics = _metrics };
        var connect = MeshTls.ConnectAsync(c, options);
        var buffer = new byte[4096];
        Assert.NotEqual(0, await server.ReadAsync(buffer).AsTask().WaitAsync(Loopback.Deadline));
        await server.WriteAsync("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"u8.ToArray());
        var error = await Assert.ThrowsAsync<MeshTlsException>(() => connect.WaitAsync(Loopback.Deadline));
        Assert.Equal(MeshTlsError.Garbage, error.Error);
    }
}
