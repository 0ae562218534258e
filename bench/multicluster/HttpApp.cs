using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mesh.Bench.Multicluster;

/// <summary>The app behind a sidecar: an HTTP/1.1 keep-alive responder on a loopback port answering every request
/// (GET, no body) with 200 "ok". Minimal on purpose, so what the benchmark compares is the proxies in front of it.</summary>
internal sealed class HttpApp : IAsyncDisposable
{
    private static readonly byte[] Response = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok");
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accept;

    public HttpApp()
    {
        _listener.Start();
        _accept = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task AcceptAsync()
    {
        try
        {
            while (true) _ = ServeAsync(await _listener.AcceptSocketAsync(_stop.Token));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { }
    }

    /// <summary>Answers once per request head ("\r\n\r\n"), pipelined heads included.</summary>
    private async Task ServeAsync(Socket socket)
    {
        using var _ = socket;
        var buffer = new byte[16384];
        var matched = 0; // how much of "\r\n\r\n" the bytes so far end with
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0) return;
                var heads = 0;
                for (var i = 0; i < n; i++)
                {
                    var b = buffer[i];
                    matched = b == (matched % 2 == 0 ? (byte)'\r' : (byte)'\n') ? matched + 1 : b == '\r' ? 1 : 0;
                    if (matched == 4) { heads++; matched = 0; }
                }
                for (var h = 0; h < heads; h++) await socket.SendAsync(Response, SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accept;
        _stop.Dispose();
    }
}
