using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Errors;
using Mesh.Proxy.Telemetry;
using Mesh.Proxy.Transport;
using Mesh.Proxy.Wire;
using Microsoft.AspNetCore.Connections;

namespace Mesh.Proxy.Outbound;

/// <summary>The upstream side of an opaque connection, or why there is none.</summary>
internal readonly record struct OpaqueUpstream(Stream? Stream, ProxyError Error, string Reason);

/// <summary>Opaque TCP, outbound half: connections to opaque destinations (opaque ports, server-speaks-first protocols
/// found by the detection timeout, HTTP CONNECT tunnels) go to the endpoint's proxy with the transport header naming the
/// target port ("MESH-OPAQUE 5432\r\n"), or straight to endpoints that are not meshed.</summary>
internal sealed class OpaqueTcpOutbound(ProxySettings settings, ServiceWatches discovery, IEndpointConnector connector, ProxyMetrics metrics, ProxyErrorReporter errors)
{
    /// <summary>Endpoints tried, in random order, before an opaque connection gives up.</summary>
    private const int MaxConnectAttempts = 3;

    /// <summary>Outbound (transparent): the configured opaque ports, or a destination discovery marks opaque (its
    /// Service port has appProtocol tcp / the opaque-ports annotation). Unknown destinations are detected instead.</summary>
    public async ValueTask<bool> IsOpaqueDestinationAsync(IPEndPoint original, CancellationToken ct)
    {
        if (settings.OpaquePorts.Contains(original.Port)) return true;
        var watch = discovery.Get(AuthorityOf(original));
        var state = watch.State ?? await watch.GetStateAsync(settings.QueueTimeout, ct);
        return state is { Exists: true, Profile.Opaque: true };
    }

    /// <summary>Outbound (transparent): the original destination; meshed → its proxy with the header, else straight there.
    /// Failing to connect closes the client's connection (there is no protocol to say why in).</summary>
    public async Task OutboundAsync(ConnectionContext connection, IPEndPoint original)
    {
        var upstream = await OpenAsync(AuthorityOf(original), new DnsEndPoint(original.Address.ToString(), original.Port), connection.ConnectionClosed);
        if (upstream.Stream is null)
        {
            errors.Count(TelemetryNames.Outbound, upstream.Error);
            return;
        }
        await using (upstream.Stream) await OpaquePipe.PipeAsync(connection, upstream.Stream, TelemetryNames.Outbound, metrics);
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
            await OpaquePipe.PipeAsync(connection, upstream.Stream, TelemetryNames.Outbound, metrics);
        }
    }

    private static string AuthorityOf(IPEndPoint endPoint) => $"{endPoint.Address}:{endPoint.Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Resolves <paramref name="authority"/> and connects to one of its ready endpoints (mesh TLS + transport header
    /// when meshed); not a mesh service → <paramref name="direct"/> if given (transparent), else an error.</summary>
    public async Task<OpaqueUpstream> OpenAsync(string authority, DnsEndPoint? direct, CancellationToken ct)
    {
        var state = await discovery.Get(authority).GetStateAsync(settings.QueueTimeout, ct);
        if (ServiceState.IsUnroutable(state, authority, settings.ControlAddress, out var refused))
            return direct is not null ? await ConnectAsync(direct, null, null, ct) : new(null, refused.Error, refused.Reason);
        var ready = state.Endpoints.Values.Where(e => e.Ready).ToArray();
        if (ready.Length == 0)
            return new(null, ProxyError.NoEndpoints, state.Reason is { Length: > 0 } problem ? $"service {authority}: {problem}"
                : $"service {authority}: no ready endpoints; is a workload registered and ready?");
        Random.Shared.Shuffle(ready);
        OpaqueUpstream last = default;
        foreach (var e in ready.Take(MaxConnectAttempts))
        {
            last = e.Identity.Length > 0 && e.ProxyPort != 0
                ? await ConnectAsync(new DnsEndPoint(e.Address, (int)e.ProxyPort), e.Identity, OpaqueHeader.Create((int)e.Port, e.AuthorityOverride), ct)
                : await ConnectAsync(new DnsEndPoint(e.Address, (int)e.Port), null, null, ct);
            if (last.Stream is not null || ct.IsCancellationRequested) return last;
        }
        return last with { Reason = $"service {authority}: {last.Reason}" };
    }

    private async Task<OpaqueUpstream> ConnectAsync(DnsEndPoint target, string? identity, byte[]? header, CancellationToken ct)
    {
        Stream? stream = null;
        try
        {
            stream = identity is null ? await new PlaintextEndpointConnector().ConnectAsync(target, null, http11: false, ct)
                : connector is MeshTlsEndpointConnector tls ? await tls.ConnectOpaqueAsync(target, identity, ct)
                : await connector.ConnectAsync(target, identity, http11: false, ct);
            if (header is not null) await stream.WriteAsync(header, ct);
            return new(stream, default, "");
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
        {
            if (stream is not null) await stream.DisposeAsync();
            return new(null, ProxyError.Upstream, $"connecting to {target.Host}:{target.Port} failed: {e.Message}");
        }
    }
}
