using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Discovery;
using Mesh.Proxy.Inbound;
using Mesh.Proxy.Telemetry;
using Microsoft.AspNetCore.Connections;

namespace Mesh.Proxy.Transport;

/// <summary>Opaque TCP: outbound connections to opaque ports go to the endpoint's proxy with a one-line transport header
/// naming the target port ("MESH-OPAQUE 5432\r\n"); inbound reads it, authorizes (refusing = closing), and pipes to the app.</summary>
internal sealed class OpaqueTcp(ProxySettings settings, DiscoveryClient discovery, IEndpointConnector connector, ProxyMetrics metrics)
{
    public static readonly byte[] Magic = "MESH-OPAQUE "u8.ToArray();
    public const int MaxHeaderLength = 32;
    private static readonly CompiledInboundPolicy Fallback = new InboundPolicyCompiler(new ProxySettings(), TimeProvider.System).Compile(new Api.V1.InboundPolicy());

    public bool IsOpaquePort(int port) => settings.OpaquePorts.Contains(port);

    public static byte[] Header(int targetPort) => Encoding.ASCII.GetBytes($"MESH-OPAQUE {targetPort.ToString(CultureInfo.InvariantCulture)}\r\n");

    /// <summary>Inbound: authorize the peer for the target port, then pipe to the app on loopback.</summary>
    public async Task InboundAsync(ConnectionContext connection, int targetPort)
    {
        var policy = discovery.Inbound?.Policy ?? Fallback;
        var peer = connection.Features.Get<PeerIdentityFeature>()?.Identity;
        var address = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        var decision = policy.Authorize(targetPort, peer, address);
        if (!decision.Allowed)
        {
            metrics.AuthzDenied(decision.Server);
            return; // TCP refusal: the connection is closed without a byte.
        }
        metrics.AuthzAllowed(decision.Server, decision.Authorization);
        Stream upstream;
        try { upstream = await new PlaintextEndpointConnector().ConnectAsync(new DnsEndPoint(settings.AppHost.ToString(), targetPort), null, connection.ConnectionClosed); }
        catch (Exception e) when (e is SocketException or OperationCanceledException) { return; }
        await using (upstream) await PipeAsync(connection, upstream, TelemetryNames.Inbound);
    }

    /// <summary>Outbound (transparent): resolve the original destination; meshed → its proxy with the header, else direct.</summary>
    public async Task OutboundAsync(ConnectionContext connection, IPEndPoint original)
    {
        var authority = $"{original.Address}:{original.Port.ToString(CultureInfo.InvariantCulture)}";
        var state = await discovery.Get(authority).GetStateAsync(settings.QueueTimeout, connection.ConnectionClosed);
        var target = new DnsEndPoint(original.Address.ToString(), original.Port);
        string? identity = null;
        byte[]? header = null;
        if (state is { Exists: true })
        {
            var ready = state.Endpoints.Values.Where(e => e.Ready).ToArray();
            if (ready.Length == 0) return;
            var e = ready[Random.Shared.Next(ready.Length)];
            if (e.Identity.Length > 0 && e.ProxyPort != 0)
            {
                target = new DnsEndPoint(e.Address, (int)e.ProxyPort);
                identity = e.Identity;
                header = Header((int)e.Port);
            }
            else target = new DnsEndPoint(e.Address, (int)e.Port);
        }
        Stream upstream;
        try
        {
            upstream = identity is null ? await new PlaintextEndpointConnector().ConnectAsync(target, null, connection.ConnectionClosed)
                : connector is MeshTlsEndpointConnector tls ? await tls.ConnectOpaqueAsync(target, identity, connection.ConnectionClosed)
                : await connector.ConnectAsync(target, identity, connection.ConnectionClosed);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException) { return; }
        await using (upstream)
        {
            if (header is not null) await upstream.WriteAsync(header, connection.ConnectionClosed);
            await PipeAsync(connection, upstream, TelemetryNames.Outbound);
        }
    }

    /// <summary>Copies both ways until either side closes; counts bytes (read = from the client, written = to it).</summary>
    private async Task PipeAsync(ConnectionContext connection, Stream upstream, string direction)
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
                if (upstream is NetworkStream ns) ns.Socket.Shutdown(SocketShutdown.Send);
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
            }
        });
        await Task.WhenAll(toUpstream, toClient);
        metrics.TcpBytes(direction, read, written);
    }
}
