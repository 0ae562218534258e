using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mesh.Proxy.Tests.Infrastructure;

/// <summary>Raw bytes to a proxy port, the way an opaque-TCP or CONNECT client sends them.</summary>
public static class RawTcp
{
    /// <summary>Sends <paramref name="request"/> and returns what comes back once at least <paramref name="expectAtLeast"/>
    /// characters arrived, the peer closed, or <paramref name="timeout"/> passed: 5 s, or 60 s for
    /// <c>expectAtLeast: int.MaxValue</c> — "until the peer closes" (Connection: close), where the timeout only bounds a
    /// hang, so a loaded machine's slow answer is not cut short. <paramref name="thenSend"/> goes out after the first
    /// blank line received (a CONNECT's 200).</summary>
    public static async Task<string> ExchangeAsync(IPEndPoint endPoint, string request, int expectAtLeast = 1, string? thenSend = null, TimeSpan? timeout = null)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        var received = new StringBuilder();
        var buffer = new byte[16 * 1024];
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(expectAtLeast == int.MaxValue ? 60 : 5));
        var sent = thenSend is null;
        try
        {
            while (received.Length < expectAtLeast)
            {
                var n = await socket.ReceiveAsync(buffer, cts.Token);
                if (n == 0) break;
                received.Append(Encoding.ASCII.GetString(buffer, 0, n));
                if (!sent && received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    await socket.SendAsync(Encoding.ASCII.GetBytes(thenSend!));
                    sent = true;
                }
            }
        }
        catch (OperationCanceledException) { }
        return received.ToString();
    }

    /// <summary>The proxy's Prometheus text from its admin port.</summary>
    public static async Task<string> MetricsAsync(this Mesh.Proxy.Hosting.RunningProxy proxy)
    {
        using var http = new HttpClient();
        return await http.GetStringAsync($"http://{proxy.Admin}/metrics");
    }
}
