using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mesh.Proxy.Tests.Infrastructure;

/// <summary>How a proxy answered one raw h2c request.</summary>
public enum H2Answer { Status200, Status400, OtherStatus, Reset, Closed }

/// <summary>One h2c request written frame by frame (HPACK literals without indexing, no Huffman): the pseudo-headers and
/// field values go on the wire exactly as given, which no HTTP/2 client library allows (a LF in a value, `:path *`).</summary>
public static class RawH2
{
    public static async Task<H2Answer> ExchangeAsync(IPEndPoint endPoint, string method, string path, string authority, params (string Name, string Value)[] fields)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint);
        var block = new List<byte>();
        foreach (var (name, value) in new[] { (":method", method), (":scheme", "http"), (":path", path), (":authority", authority) }.Concat(fields))
        {
            block.Add(0x00);
            block.Add((byte)name.Length);
            block.AddRange(Encoding.Latin1.GetBytes(name));
            block.Add((byte)value.Length);
            block.AddRange(Encoding.Latin1.GetBytes(value));
        }
        var output = new List<byte>();
        output.AddRange("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray());
        output.AddRange(Frame(0x4, 0, 0, []));                    // SETTINGS
        output.AddRange(Frame(0x1, 0x5, 1, [.. block]));          // HEADERS, END_STREAM | END_HEADERS, stream 1
        await socket.SendAsync(output.ToArray());

        var input = new List<byte>();
        var buffer = new byte[16384];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            while (true)
            {
                for (var at = 0; at + 9 <= input.Count;)
                {
                    var length = (input[at] << 16) | (input[at + 1] << 8) | input[at + 2];
                    if (at + 9 + length > input.Count) break;
                    var type = input[at + 3];
                    var stream = ((input[at + 5] & 0x7f) << 24) | (input[at + 6] << 16) | (input[at + 7] << 8) | input[at + 8];
                    // Kestrel sends :status as an indexed static-table field first (0x88 = 200, 0x8c = 400).
                    if (type == 0x1 && stream == 1)
                        return length == 0 ? H2Answer.OtherStatus : input[at + 9] switch { 0x88 => H2Answer.Status200, 0x8c => H2Answer.Status400, _ => H2Answer.OtherStatus };
                    if ((type == 0x3 && stream == 1) || type == 0x7) return H2Answer.Reset;
                    at += 9 + length;
                }
                var n = await socket.ReceiveAsync(buffer, cts.Token);
                if (n == 0) return H2Answer.Closed;
                input.AddRange(buffer.AsSpan(0, n));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException) { return H2Answer.Closed; }
    }

    private static byte[] Frame(byte type, byte flags, int stream, byte[] payload) =>
        [(byte)(payload.Length >> 16), (byte)(payload.Length >> 8), (byte)payload.Length, type, flags,
         (byte)(stream >> 24), (byte)(stream >> 16), (byte)(stream >> 8), (byte)stream, .. payload];
}
