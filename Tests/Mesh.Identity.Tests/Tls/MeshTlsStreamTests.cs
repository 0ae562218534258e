using System.Security.Cryptography;
using Mesh.Identity.Credentials;
using Mesh.Identity.Metrics;
using Mesh.Identity.Tls;

namespace Mesh.Identity.Tests.Tls;

/// <summary>Data path and credential rotation over established connections.</summary>
public sealed class MeshTlsStreamTests : IDisposable
{
    private readonly TestPki _pki = new();
    private readonly MeshTlsMetrics _metrics = new();

    public void Dispose() => _metrics.Dispose();

    private (MeshTlsClientOptions Client, MeshTlsServerOptions Server) Options(MeshCredentialsHolder? serverHolder = null) =>
        (new MeshTlsClientOptions { Credentials = new(_pki.Issue(TestPki.Id("web", "frontend"))), ExpectedIdentity = "spiffe://cluster.local/ns/books/sa/books", Metrics = _metrics },
         new MeshTlsServerOptions { Credentials = serverHolder ?? new(_pki.Issue(TestPki.Id("books", "books"))), Metrics = _metrics });

    private static async Task<byte[]> ReadExactlyAsync(Stream stream, int count)
    {
        var data = new byte[count];
        var total = 0;
        while (total < count)
        {
            var n = await stream.ReadAsync(data.AsMemory(total));
            if (n == 0) throw new EndOfStreamException($"stream ended after {total} of {count} bytes");
            total += n;
        }
        return data;
    }

    [Fact]
    public async Task ReadWrite_BothSidesSendMegabytesAtOnce_NoDeadlockAndIntact()
    {
        // Each side writes 8 MiB while the other also writes: with a read that blocks writes this would stall.
        var (clientOptions, serverOptions) = Options();
        var (c, s) = await Loopback.HandshakeAsync(clientOptions, serverOptions);
        await using var client = await c;
        await using var server = await s;
        var payloadA = RandomNumberGenerator.GetBytes(8 << 20);
        var payloadB = RandomNumberGenerator.GetBytes(8 << 20);

        var readByServer = ReadExactlyAsync(server, payloadA.Length);
        var readByClient = ReadExactlyAsync(client, payloadB.Length);
        await Task.WhenAll(client.WriteAsync(payloadA).AsTask(), server.WriteAsync(payloadB).AsTask(), readByServer, readByClient)
            .WaitAsync(TimeSpan.FromSeconds(60));
        var gotByServer = await readByServer;
        var gotByClient = await readByClient;
        Assert.True(payloadA.AsSpan().SequenceEqual(gotByServer), "server received corrupted data");
        Assert.True(payloadB.AsSpan().SequenceEqual(gotByClient), "client received corrupted data");
    }

    [Fact]
    public async Task Dispose_SendsCloseNotify_PeerReadsEndOfStream()
    {
        var (clientOptions, serverOptions) = Options();
        var (c, s) = await Loopback.HandshakeAsync(clientOptions, serverOptions);
        var client = await c;
        await using var server = await s;
        await client.WriteAsync("last"u8.ToArray());
        await client.DisposeAsync();
        Assert.Equal("last"u8.ToArray(), await ReadExactlyAsync(server, 4).WaitAsync(Loopback.Deadline));
        Assert.Equal(0, await server.ReadAsync(new byte[8]).AsTask().WaitAsync(Loopback.Deadline));
    }

    [Fact]
    public async Task Rotation_DuringLiveTraffic_OldConnectionKeepsWorkingNewHandshakeGetsNewCertificate()
    {
        var holder = new MeshCredentialsHolder(_pki.Issue(TestPki.Id("books", "books")));
        var (clientOptions, serverOptions) = Options(holder);
        var (c, s) = await Loopback.HandshakeAsync(clientOptions, serverOptions);
        await using var oldClient = await c;
        await using var oldServer = await s;
        var firstSerial = oldClient.PeerCertificate!.SerialNumber;

        using var traffic = new CancellationTokenSource();
        var pumped = 0;
        var pump = Task.Run(async () =>
        {
            var buffer = new byte[1024];
            for (var i = 0; i < 10_000 && !traffic.IsCancellationRequested; i++)
            {
                await oldClient.WriteAsync(buffer);
                await ReadExactlyAsync(oldServer, buffer.Length);
                Interlocked.Increment(ref pumped);
            }
        });
        while (Volatile.Read(ref pumped) < 10 && !pump.IsCompleted) await Task.Delay(5);

        var rotated = _pki.Issue(TestPki.Id("books", "books"));
        holder.Update(rotated);
        var (c2, s2) = await Loopback.HandshakeAsync(clientOptions, serverOptions);
        await using var newClient = await c2;
        await using var newServer = await s2;
        Assert.Equal(rotated.Leaf.SerialNumber, newClient.PeerCertificate!.SerialNumber);
        Assert.NotEqual(firstSerial, newClient.PeerCertificate.SerialNumber);

        var before = Volatile.Read(ref pumped);
        while (Volatile.Read(ref pumped) < before + 10 && !pump.IsCompleted) await Task.Delay(5);
        traffic.Cancel();
        await pump.WaitAsync(Loopback.Deadline);
        Assert.True(Volatile.Read(ref pumped) >= before + 10 || pumped == 10_000, "old connection stopped carrying traffic after rotation");
        Assert.Equal(firstSerial, oldClient.PeerCertificate!.SerialNumber);
    }

    [Fact]
    public async Task IssuerRotation_LeavesFromOldAndNewIssuer_ConnectBothWays()
    {
        var oldLeaf = _pki.Issue(TestPki.Id("books", "books"));
        _pki.Ca = _pki.Ca.RotateIssuer();
        var newLeaf = _pki.Issue(TestPki.Id("web", "frontend"));
        Assert.NotEqual(oldLeaf.Intermediates[0].Thumbprint, newLeaf.Intermediates[0].Thumbprint);

        var client = new MeshTlsClientOptions { Credentials = new(newLeaf), ExpectedIdentity = "spiffe://cluster.local/ns/books/sa/books", Metrics = _metrics };
        var server = new MeshTlsServerOptions { Credentials = new(oldLeaf), ClientCertificateMode = ClientCertificateMode.Required, Metrics = _metrics };
        var (c, s) = await Loopback.HandshakeAsync(client, server);
        await using var clientStream = await c;
        await using var serverStream = await s;
        Assert.Equal("spiffe://cluster.local/ns/web/sa/frontend", serverStream.PeerIdentity);
        Assert.Equal("spiffe://cluster.local/ns/books/sa/books", clientStream.PeerIdentity);
    }
}
