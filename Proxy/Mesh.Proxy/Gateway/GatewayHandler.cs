using Mesh.Names;
using System.Net;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Inbound;
using Mesh.Proxy.Outbound;
using Mesh.Proxy.Errors;
using Mesh.Proxy.Telemetry;
using Mesh.Proxy.Transport;
using Mesh.Proxy.Wire;
using Microsoft.AspNetCore.Connections;

namespace Mesh.Proxy.Gateway;

/// <summary>Multicluster gateway admission, in front of the outbound pipeline: the peer must present a mesh identity
/// (mTLS from a cluster sharing the trust anchor) that the gateway's inbound policy admits, and the authority must be a
/// Service of this cluster exported with the mirror.mesh.io/exported=true label. Admitted requests are then routed,
/// balanced and sent over mTLS exactly as a sidecar's outbound requests are, carrying the peer's verified identity in
/// mesh-forwarded-client-id (a caller's own value never crosses: MeshTransformer drops it) for targets whose Server
/// trusts this gateway.</summary>
internal sealed class GatewayHandler(ServiceWatches discovery, InboundPolicySource policies, ProxySettings settings, ListenerPorts ports, ProxyErrorReporter errors,
    ProxyMetrics metrics, OpaqueTcpOutbound opaque)
{
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var peer = context.Features.Get<PeerIdentityFeature>()?.Identity;
        var authority = Authority.Normalize(context.Request.Host.Value, context.Request.Host.Port is not null);
        var refusal = Admit(peer, context.Connection.RemoteIpAddress) ?? await CheckExportedAsync(authority, context.RequestAborted);
        if (refusal is { } r)
        {
            await errors.ReportAsync(context, r.Error, r.Reason, TelemetryNames.Gateway);
            return;
        }
        // The sender addressed this gateway's port; the local endpoint's port is chosen again when forwarding.
        context.Request.Headers.Remove(MeshHeaders.TargetPort);
        // Admitted, so peer is a verified mesh identity: the target's inbound may authorize as it (trustedGateways). A
        // caller's own mesh-forwarded-client-id never gets further: MeshTransformer drops it on every outbound hop.
        context.Features.Set(new ForwardedClientFeature(peer!));
        await next(context);
    }

    /// <summary>Only mesh identities get through a gateway, whatever the policy says; then the policy (default
    /// all-authenticated, or Server/AuthorizationPolicy for the gateway's workload) decides.</summary>
    public ProxyRefusal? Admit(string? peer, IPAddress? address)
    {
        if (peer is null)
        {
            metrics.AuthzDenied("gateway");
            return new(ProxyError.Unauthorized, "gateway: only mesh mTLS clients are accepted (no client identity)");
        }
        var decision = policies.Policy.Authorize(ports.Inbound, peer, address);
        if (!decision.Allowed)
        {
            metrics.AuthzDenied(decision.Server);
            return new(ProxyError.Unauthorized, $"gateway: {peer} is not authorized");
        }
        metrics.AuthzAllowed(decision.Server, decision.Authorization);
        return null;
    }

    /// <summary>The authority must name an exported Service of this cluster.</summary>
    public async ValueTask<ProxyRefusal?> CheckExportedAsync(string authority, CancellationToken ct)
    {
        if (authority.Length == 0) return new(ProxyError.UnknownService, "gateway: the request names no authority");
        var watch = discovery.Get(authority);
        var state = watch.State ?? await watch.GetStateAsync(settings.QueueTimeout, ct);
        if (ServiceState.IsUnroutable(state, authority, settings.ControlAddress, out var refused)) return refused;
        if (!state.Profile.Exported)
            return new(ProxyError.Unauthorized, $"gateway: service {authority} is not exported (label the Service mirror.mesh.io/exported=true)");
        return null;
    }

    /// <summary>Opaque TCP with a transport header naming <paramref name="authority"/>: the peer admitted for an exported
    /// service, then connected to one of its endpoints; refused = closed without a byte, like an inbound TCP deny.</summary>
    public async Task OpaqueAsync(ConnectionContext connection, string authority)
    {
        var refusal = Admit(connection.Features.Get<PeerIdentityFeature>()?.Identity, (connection.RemoteEndPoint as IPEndPoint)?.Address)
            ?? await CheckExportedAsync(authority, connection.ConnectionClosed);
        if (refusal is { } r)
        {
            errors.Count(TelemetryNames.Gateway, r.Error);
            return;
        }
        var upstream = await opaque.OpenAsync(authority, direct: null, connection.ConnectionClosed);
        if (upstream.Stream is null)
        {
            errors.Count(TelemetryNames.Gateway, upstream.Error);
            return;
        }
        await using (upstream.Stream) await OpaquePipe.PipeAsync(connection, upstream.Stream, TelemetryNames.Outbound, metrics);
    }
}
