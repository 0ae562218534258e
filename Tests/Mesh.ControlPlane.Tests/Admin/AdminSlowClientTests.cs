using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Mesh.ControlPlane.Tests.Support;
using Xunit.Abstractions;

namespace Mesh.ControlPlane.Tests.Admin;

/// <summary>The admin port drops clients that hold a connection without finishing a request, as the proxies do
/// (~10 s): an idle connection, slowloris (headers trickled), a truncated request and a trickled body. Each is a real
/// socket; the assertion is a bound (25 s, generous for a loaded CI) that Kestrel's defaults (130 s idle, 30 s headers)
/// exceed.</summary>
[Collection(SiloCollection.Name)]
[Trait("Category", "E2E")]
public sealed class AdminSlowClientTests(SiloFixture silo, ITestOutputHelper log)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(25);

    [Fact]
    public async Task AdminPort_IdleSlowOrTruncatedClients_ClosedWithinBound()
    {
        var host = $"127.0.0.1:{silo.Host.AdminUri.Port}";
        var idle = ClosedAfterAsync("idle", (_, _) => Task.CompletedTask);
        var slowloris = ClosedAfterAsync("slow headers", async (stream, closed) =>
        {
            await SendAsync(stream, $"GET /api/v1/info HTTP/1.1\r\nHost: {host}\r\n");
            // One more header line per second: each arrives, none completes the request.
            for (var i = 0; i < Bound.TotalSeconds + 5; i++)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), closed);
                    await SendAsync(stream, $"X-Slow-{i}: {i}\r\n");
                }
                catch (Exception e) when (e is IOException or OperationCanceledException) { return; }
            }
        });
        var truncated = ClosedAfterAsync("truncated request", (stream, _) => SendAsync(stream, $"GET /api/v1/info HTTP/1.1\r\nHost: {host}\r\nAccept: app"));
        var slowBody = ClosedAfterAsync("truncated body", (stream, _) => SendAsync(stream,
            $"POST /api/v1/apply?dryRun=true HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {silo.Token}\r\nContent-Type: application/yaml\r\nContent-Length: 1000\r\n\r\napiVersion: v1\n"));

        var results = await Task.WhenAll(idle, slowloris, truncated, slowBody);
        foreach (var (name, elapsed) in results) log.WriteLine($"{name}: closed after {elapsed.TotalSeconds:0.0} s");
        foreach (var (name, elapsed) in results)
            Assert.True(elapsed < Bound, $"{name}: still open after {elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>Connects, runs <paramref name="behave"/>, then reads until the server closes (or the bound plus a margin
    /// passes); returns how long after connecting the server closed.</summary>
    private async Task<(string, TimeSpan)> ClosedAfterAsync(string name, Func<NetworkStream, CancellationToken, Task> behave)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", silo.Host.AdminUri.Port);
        var clock = Stopwatch.StartNew();
        var stream = client.GetStream();
        using var closed = new CancellationTokenSource();
        var behaving = behave(stream, closed.Token);
        using var deadline = new CancellationTokenSource(Bound + TimeSpan.FromSeconds(10));
        var buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer, deadline.Token) > 0) { }
        }
        catch (IOException) { }
        catch (OperationCanceledException) { }
        var elapsed = clock.Elapsed;
        await closed.CancelAsync();
        client.Close();
        try { await behaving; } catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException) { }
        return (name, elapsed);
    }

    private static Task SendAsync(NetworkStream stream, string text) => stream.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();
}
