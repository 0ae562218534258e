using System.Net;
using System.Net.Sockets;

namespace Mesh.Proxy.Tests.Infrastructure;

/// <summary>A raw TCP echo server on 127.0.0.1 (an "opaque" app, like a database).</summary>
public sealed class EchoServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();

    public EchoServer()
    {
        _listener.Start();
        _ = Task.Run(AcceptAsync);
    }

    private int _connections;
    private int _open;

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Connections still open (the echo ends one when its client ends the stream).</summary>
    public int Open => Volatile.Read(ref _open);

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                Interlocked.Increment(ref _connections);
                Interlocked.Increment(ref _open);
                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        try { await client.GetStream().CopyToAsync(client.GetStream(), _stop.Token); }
                        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException) { }
                        finally { Interlocked.Decrement(ref _open); }
                    }
                });
            }
        }
        catch (OperationCanceledException) { }
        catch (SocketException) { }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}
