using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mesh.Proxy.Tests.Infrastructure;

/// <summary>A raw HTTP/1.1 app on 127.0.0.1 that records each request head byte for byte (what really crossed the last
/// hop, not what a parser made of it) and answers 200 "ok" with <see cref="ResponseHeaders"/> added.</summary>
public sealed class RecordingApp : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();

    public RecordingApp()
    {
        _listener.Start();
        _ = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Request heads received (request line and fields, up to the blank line), in arrival order.</summary>
    public ConcurrentQueue<string> Heads { get; } = new();

    /// <summary>Raw field lines added to every response (each ending in CRLF).</summary>
    public string ResponseHeaders { get; set; } = "";

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = Task.Run(() => ServeAsync(client));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var buffer = new List<byte>();
            var chunk = new byte[8192];
            try
            {
                while (true)
                {
                    int end;
                    while ((end = IndexOf(buffer, "\r\n\r\n"u8)) < 0)
                    {
                        var n = await stream.ReadAsync(chunk, _stop.Token);
                        if (n == 0) return;
                        buffer.AddRange(chunk.AsSpan(0, n));
                    }
                    var head = Encoding.Latin1.GetString(buffer.GetRange(0, end).ToArray());
                    buffer.RemoveRange(0, end + 4);
                    Heads.Enqueue(head);
                    var length = ContentLength(head);
                    while (buffer.Count < length)
                    {
                        var n = await stream.ReadAsync(chunk, _stop.Token);
                        if (n == 0) return;
                        buffer.AddRange(chunk.AsSpan(0, n));
                    }
                    buffer.RemoveRange(0, length);
                    await stream.WriteAsync(Encoding.Latin1.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n{ResponseHeaders}\r\nok"), _stop.Token);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException) { }
        }
    }

    private static int ContentLength(string head)
    {
        foreach (var line in head.Split("\r\n"))
            if (line.StartsWith("content-length:", StringComparison.OrdinalIgnoreCase)) return int.Parse(line[15..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        return 0;
    }

    private static int IndexOf(List<byte> buffer, ReadOnlySpan<byte> what)
    {
        for (var i = 0; i + what.Length <= buffer.Count; i++)
        {
            var match = true;
            for (var j = 0; j < what.Length && match; j++) match = buffer[i + j] == what[j];
            if (match) return i;
        }
        return -1;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}
