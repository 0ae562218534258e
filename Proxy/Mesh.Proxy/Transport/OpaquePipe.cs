using System.Buffers;
using System.Net.Sockets;
using Mesh.Proxy.Telemetry;
using Microsoft.AspNetCore.Connections;

namespace Mesh.Proxy.Transport;

/// <summary>The byte pipe of an opaque TCP connection, both ways, shared by the outbound, inbound and gateway halves.</summary>
internal static class OpaquePipe
{
    /// <summary>Copies both ways; the client finishing sends a FIN upstream (plain TCP; over mesh TLS it closes the tunnel),
    /// the upstream finishing ends the whole connection. Counts bytes (read = from the client, written = to it).</summary>
    public static async Task PipeAsync(ConnectionContext connection, Stream upstream, string direction, ProxyMetrics metrics)
    {
        long read = 0, written = 0;
        var toUpstream = Task.Run(async () =>
        {
            var input = connection.Transport.Input;
            try
            {
                while (true)
                {
                    var result = await input.ReadAsync();
                    foreach (var segment in result.Buffer)
                    {
                        await upstream.WriteAsync(segment);
                        read += segment.Length;
                    }
                    input.AdvanceTo(result.Buffer.End);
                    if (result.IsCompleted || result.IsCanceled) break;
                }
                // The client is done sending. Plain TCP: half-close, the reply still comes back. Mesh TLS cannot half-close
                // (BouncyCastle ends both directions on close_notify): close the tunnel, or the far side would hold the
                // app's connection open forever waiting for an end of stream.
                if (upstream is NetworkStream ns) ns.Socket.Shutdown(SocketShutdown.Send);
                else if (upstream is Mesh.Identity.Tls.MeshTlsStream tls) await tls.ShutdownAsync();
                else await upstream.FlushAsync();
            }
            catch (Exception)
            {
                // Any failure (resets and aborts included) ends the pipe; closing upstream ends the other direction too.
                upstream.Dispose();
            }
        });
        var toClient = Task.Run(async () =>
        {
            var output = connection.Transport.Output;
            var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                int n;
                while ((n = await upstream.ReadAsync(buffer)) > 0)
                {
                    await output.WriteAsync(buffer.AsMemory(0, n));
                    written += n;
                }
            }
            catch (Exception)
            {
                // As above: the pipe is over.
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
                await output.CompleteAsync();
                // The upstream is done sending: end the connection, as Kestrel does for a plain socket whose output
                // completes. Mesh TLS has no half-close, so waiting for the client's side here could wait forever.
                connection.Transport.Input.CancelPendingRead();
            }
        });
        await Task.WhenAll(toUpstream, toClient);
        metrics.TcpBytes(direction, read, written);
    }
}
