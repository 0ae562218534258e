// Usage: TcpRelay <listen port> <target port>
// A byte relay on 127.0.0.1: every accepted connection gets its own connection to the target, and two loops copy
// bytes both ways (16 KiB pooled buffers, half-close passed on). No HTTP parsing, no TLS, no routing, no metrics:
// bench/proxy/run.sh puts it beside a single nginx HTTP hop to show what a .NET hop costs before any proxy work
// (with DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1, the same loops run on the epoll thread: no thread-pool hop).
using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

var listen = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
listen.Bind(new IPEndPoint(IPAddress.Loopback, int.Parse(args[0], CultureInfo.InvariantCulture)));
listen.Listen(512);
var target = new IPEndPoint(IPAddress.Loopback, int.Parse(args[1], CultureInfo.InvariantCulture));
Console.WriteLine($"tcp-relay: {listen.LocalEndPoint} → {target}");
while (true)
{
    var client = await listen.AcceptAsync();
    _ = RelayAsync(client, target);
}

static async Task RelayAsync(Socket client, IPEndPoint target)
{
    using (client)
    using (var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true })
    {
        client.NoDelay = true;
        try
        {
            await upstream.ConnectAsync(target);
        }
        catch (SocketException)
        {
            return;
        }
        await Task.WhenAll(CopyAsync(client, upstream), CopyAsync(upstream, client));
    }
}

static async Task CopyAsync(Socket from, Socket to)
{
    var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
    try
    {
        int n;
        while ((n = await from.ReceiveAsync(buffer, SocketFlags.None)) > 0)
            await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
        to.Shutdown(SocketShutdown.Send);
    }
    catch (Exception e) when (e is SocketException or ObjectDisposedException)
    {
        // One side reset: close both, which ends the other loop too.
        from.Dispose();
        to.Dispose();
    }
    finally
    {
        ArrayPool<byte>.Shared.Return(buffer);
    }
}
