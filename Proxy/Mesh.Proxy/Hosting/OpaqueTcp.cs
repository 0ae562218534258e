using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.ControlPlane;
using Mesh.Proxy.Inbound;
using Mesh.Proxy.Outbound;
using Mesh.Proxy.Errors;
using Mesh.Proxy.Telemetry;
using Mesh.Proxy.Transport;
using Microsoft.AspNetCore.Connections;

namespace Mesh.Proxy.Hosting;

/// <summary>Opaque TCP: outbound connections to opaque destinations (opaque ports, server-speaks-first protocols found by
/// the detection timeout, HTTP CONNECT tunnels) go to the endpoint's proxy with a one-line transport header naming the
/// target port ("MESH-OPAQUE 5432\r\n"); inbound reads it, authorizes (refusing = closing), and pipes to the app.</summary>
internal sealed class OpaqueTcp(ProxySettings settings, DiscoveryClient discovery, IEndpointConnector connector, ProxyMetrics metrics, ProxyErrorReporter errors, Gateway.GatewayHandler gateway, ListenerPorts ports)
{
    public static readonly byte[] Magic = "MESH-OPAQUE "u8.ToArray();
    /// <summary>Longest transport header: the magic, a port, a 253-character name and a port.</summary>
    public const int MaxHeaderLength = 288;
    /// <summary>Endpoints tried, in random order, before an opaque connection gives up.</summary>
    private const int MaxConnectAttempts = 3;

    /// <summary>The upstream side of an opaque connection, or why there is none.</summary>
    private readonly record struct Upstream(Stream? Stream, ProxyError Error, string Reason);

    /// <summary>"MESH-OPAQUE port\r\n" to a sidecar; "MESH-OPAQUE port authority\r\n" to a multicluster gateway, which
    /// resolves the authority in its own cluster.</summary>
    public static byte[] Header(int targetPort, string authority = "") => Encoding.ASCII.GetBytes(authority.Length == 0
        ? $"MESH-OPAQUE {targetPort.ToString(CultureInfo.InvariantCulture)}\r\n"
        : $"MESH-OPAQUE {targetPort.ToString(CultureInfo.InvariantCulture)} {authority}\r\n");

    /// <summary>Ports this proxy always treats as opaque (settings), before any discovery answer.</summary>
    public bool IsOpaquePort(int port) => settings.OpaquePorts.Contains(port);

    /// <summary>Inbound (transparent): the configured opaque ports, or a port whose Server says proxyProtocol: opaque.</summary>
    public bool IsOpaqueInboundPort(int port) => IsOpaquePort(port) ||
        (discovery.InboundPolicy.Servers.TryGetValue(port, out var server) && server.ProxyProtocol == "opaque");

    /// <summary>Outbound (transparent): the configured opaque ports, or a destination discovery marks opaque (its
    /// Service port has appProtocol tcp / the opaque-ports annotation). Unknown destinations are detected instead.</summary>
    public async ValueTask<bool> IsOpaqueDestinationAsync(IPEndPoint original, CancellationToken ct)
    {
        if (IsOpaquePort(original.Port)) return true;
        var watch = discovery.Get(AuthorityOf(original));
        var state = watch.State ?? await watch.GetStateAsync(settings.QueueTimeout, ct);
        return state is { Exists: true, Profile.Opaque: true };
    }

    /// <summary>Inbound with a transport header: the port it names (only a declared one, honoured from a mesh peer; see
    /// <see cref="InboundTarget"/>), authorized for the peer, then piped to the app on loopback. A gateway instead admits
    /// the peer for <paramref name="authority"/> (an exported service) and connects to one of its endpoints.</summary>
    public async Task InboundAsync(ConnectionContext connection, int targetPort, string authority = "")
    {
        if (settings.Mode == ProxyMode.Gateway)
        {
            await GatewayAsync(connection, authority);
            return;
        }
        await ToAppAsync(connection, targetPort.ToString(CultureInfo.InvariantCulture), original: null);
    }

    /// <summary>Inbound (transparent): a redirected connection carried as opaque TCP to its original destination port.</summary>
    public Task RedirectedInboundAsync(ConnectionContext connection, int originalPort) => ToAppAsync(connection, requested: null, originalPort);

    private async Task ToAppAsync(ConnectionContext connection, string? requested, int? original)
    {
        var policy = discovery.InboundPolicy;
        var peer = connection.Features.Get<PeerIdentityFeature>()?.Identity;
        var (targetPort, refusal) = InboundTarget.Resolve(requested, original, peer, policy, settings, [ports.Inbound, ports.Outbound, ports.Admin]);
        if (refusal is { } r)
        {
            metrics.ProxyErrors(TelemetryNames.Inbound, r.Error);
            return; // TCP refusal: the connection is closed without a byte.
        }
        var address = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        // Authorized for the port actually reached.
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

    private async Task GatewayAsync(ConnectionContext connection, string authority)
    {
        var refusal = gateway.Admit(connection.Features.Get<PeerIdentityFeature>()?.Identity, (connection.RemoteEndPoint as IPEndPoint)?.Address)
            ?? await gateway.CheckExportedAsync(authority, connection.ConnectionClosed);
        if (refusal is { } r)
        {
            metrics.ProxyErrors(TelemetryNames.Gateway, r.Error);
            return; // Refused: closed without a byte, like an inbound TCP deny.
        }
        var upstream = await OpenAsync(authority, direct: null, connection.ConnectionClosed);
        if (upstream.Stream is null)
        {
            metrics.ProxyErrors(TelemetryNames.Gateway, upstream.Error);
            return;
        }
        await using (upstream.Stream) await PipeAsync(connection, upstream.Stream, TelemetryNames.Outbound);
    }

    /// <summary>Outbound (transparent): the original destination; meshed → its proxy with the header, else straight there.
    /// Failing to connect closes the client's connection (there is no protocol to say why in).</summary>
    public async Task OutboundAsync(ConnectionContext connection, IPEndPoint original)
    {
        var upstream = await OpenAsync(AuthorityOf(original), new DnsEndPoint(original.Address.ToString(), original.Port), connection.ConnectionClosed);
        if (upstream.Stream is null)
        {
            metrics.ProxyErrors(TelemetryNames.Outbound, upstream.Error);
            return;
        }
        await using (upstream.Stream) await PipeAsync(connection, upstream.Stream, TelemetryNames.Outbound);
    }

    /// <summary>Outbound HTTP CONNECT tunnel (an HTTP proxy client asking for raw TCP to a service, e.g. `curl -p`, a
    /// database client through the proxy): 200 once the upstream is connected, else the mesh error as an HTTP response.</summary>
    public async Task ConnectTunnelAsync(ConnectionContext connection, string authority)
    {
        var upstream = await OpenAsync(authority, direct: null, connection.ConnectionClosed);
        var output = connection.Transport.Output;
        if (upstream.Stream is null)
        {
            await errors.WriteHttp1Async(output, upstream.Error, upstream.Reason, TelemetryNames.Outbound);
            return;
        }
        await using (upstream.Stream)
        {
            await output.WriteAsync("HTTP/1.1 200 Connection Established\r\n\r\n"u8.ToArray(), connection.ConnectionClosed);
            await PipeAsync(connection, upstream.Stream, TelemetryNames.Outbound);
        }
    }

    private static string AuthorityOf(IPEndPoint endPoint) => $"{endPoint.Address}:{endPoint.Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Resolves <paramref name="authority"/> and connects to one of its ready endpoints (mesh TLS + transport header
    /// when meshed); not a mesh service → <paramref name="direct"/> if given (transparent), else an error.</summary>
    private async Task<Upstream> OpenAsync(string authority, DnsEndPoint? direct, CancellationToken ct)
    {
        var state = await discovery.Get(authority).GetStateAsync(settings.QueueTimeout, ct);
        if (ServiceState.IsUnroutable(state, authority, settings.ControlAddress, out var refused))
            return direct is not null ? await ConnectAsync(direct, null, null, ct) : new(null, refused.Error, refused.Reason);
        var ready = state.Endpoints.Values.Where(e => e.Ready).ToArray();
        if (ready.Length == 0)
            return new(null, ProxyError.NoEndpoints, state.Reason is { Length: > 0 } problem ? $"service {authority}: {problem}"
                : $"service {authority}: no ready endpoints; is a workload registered and ready?");
        Random.Shared.Shuffle(ready);
        Upstream last = default;
        foreach (var e in ready.Take(MaxConnectAttempts))
        {
            last = e.Identity.Length > 0 && e.ProxyPort != 0
                ? await ConnectAsync(new DnsEndPoint(e.Address, (int)e.ProxyPort), e.Identity, Header((int)e.Port, e.AuthorityOverride), ct)
                : await ConnectAsync(new DnsEndPoint(e.Address, (int)e.Port), null, null, ct);
            if (last.Stream is not null || ct.IsCancellationRequested) return last;
        }
        return last with { Reason = $"service {authority}: {last.Reason}" };
    }

    private async Task<Upstream> ConnectAsync(DnsEndPoint target, string? identity, byte[]? header, CancellationToken ct)
    {
        Stream? stream = null;
        try
        {
            stream = identity is null ? await new PlaintextEndpointConnector().ConnectAsync(target, null, ct)
                : connector is MeshTlsEndpointConnector tls ? await tls.ConnectOpaqueAsync(target, identity, ct)
                : await connector.ConnectAsync(target, identity, ct);
            if (header is not null) await stream.WriteAsync(header, ct);
            return new(stream, default, "");
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
        {
            if (stream is not null) await stream.DisposeAsync();
            return new(null, ProxyError.Upstream, $"connecting to {target.Host}:{target.Port} failed: {e.Message}");
        }
    }

    /// <summary>Copies both ways; the client finishing sends a FIN upstream (plain TCP; over mesh TLS it closes the tunnel),
    /// the upstream finishing ends the whole connection. Counts bytes (read = from the client, written = to it).</summary>
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
                // The client is done sending. Plain TCP: half-close, the reply still comes back. Mesh TLS cannot half-close
                // (BouncyCastle ends both directions on close_notify): close the tunnel, or the far side would hold the
                // app's connection open forever waiting for an end of stream.
                if (upstream is NetworkStream ns) ns.Socket.Shutdown(SocketShutdown.Send);
                else if (upstream is Mesh.Tls.Tls.MeshTlsStream tls) await tls.ShutdownAsync();
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
