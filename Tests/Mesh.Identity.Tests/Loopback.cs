using System.Net;
using System.Net.Sockets;
using Mesh.Identity.Tls;

namespace Mesh.Identity.Tests;

/// <summary>A real TCP connection on 127.0.0.1 and helpers to run both handshake sides at once.</summary>
internal static class Loopback
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>Connected (client, server) NetworkStreams over 127.0.0.1.</summary>
    public static async Task<(NetworkStream Client, NetworkStream Server)> ConnectAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accept = listener.AcceptSocketAsync();
        await client.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        var server = await accept.WaitAsync(Deadline);
        server.NoDelay = true;
        return (new NetworkStream(client, ownsSocket: true), new NetworkStream(server, ownsSocket: true));
    }

    /// <summary>Runs client and server handshakes concurrently; each task faults with its own MeshTlsException on failure.</summary>
    public static async Task<(Task<MeshTlsStream> Client, Task<MeshTlsStream> Server)> HandshakeAsync(MeshTlsClientOptions client, MeshTlsServerOptions server)
    {
        var (c, s) = await ConnectAsync();
        var serverTask = Task.Run(() => MeshTls.AcceptAsync(s, server));
        var clientTask = Task.Run(() => MeshTls.ConnectAsync(c, client));
        try
        {
            await Task.WhenAll(serverTask, clientTask).WaitAsync(Deadline);
        }
        catch (MeshTlsException)
        {
            // Callers inspect each side.
        }
        return (clientTask, serverTask);
    }

    /// <summary>Waits for <paramref name="task"/> to fail with a MeshTlsException and returns it.</summary>
    public static async Task<MeshTlsException> FailureOf(Task<MeshTlsStream> task)
    {
        var e = await Assert.ThrowsAsync<MeshTlsException>(() => task.WaitAsync(Deadline));
        return e;
    }
}
