using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Errors;
using Mesh.Proxy.Telemetry;
using Mesh.Proxy.Transport;
using Microsoft.AspNetCore.Connections;

namespace Mesh.Proxy.Inbound;

/// <summary>Opaque TCP, inbound half: a connection with the transport header (or a redirected one) is carried to the
/// port it names (only a declared one, honoured from a mesh peer; see <see cref="InboundTarget"/>), authorized for the
/// peer (refusing = closing without a byte), then piped to the app on loopback.</summary>
internal sealed class OpaqueTcpInbound(ProxySettings settings, InboundPolicySource policies, ProxyMetrics metrics, ProxyErrorReporter errors, ListenerPorts ports)
{
    /// <summary>Inbound (transparent): the configured opaque ports, or a port whose Server says proxyProtocol: opaque.</summary>
    public bool IsOpaqueInboundPort(int port) => settings.OpaquePorts.Contains(port) ||
        (policies.Policy.Servers.TryGetValue(port, out var server) && server.ProxyProtocol == "opaque");

    /// <summary>Inbound with a transport header naming <paramref name="targetPort"/>.</summary>
    public Task InboundAsync(ConnectionContext connection, int targetPort) =>
        ToAppAsync(connection, targetPort.ToString(CultureInfo.InvariantCulture), original: null);

    /// <summary>Inbound (transparent): a redirected connection carried as opaque TCP to its original destination port.</summary>
    public Task RedirectedInboundAsync(ConnectionContext connection, int originalPort) => ToAppAsync(connection, requested: null, originalPort);

    private async Task ToAppAsync(ConnectionContext connection, string? requested, int? original)
    {
        var policy = policies.Policy;
        var peer = connection.Features.Get<PeerIdentityFeature>()?.Identity;
        var (targetPort, refusal) = InboundTarget.Resolve(requested, original, peer, policy, settings, [ports.Inbound, ports.Outbound, ports.Admin]);
        if (refusal is { } r)
        {
            errors.Count(TelemetryNames.Inbound, r.Error);
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
        try { upstream = await new PlaintextEndpointConnector().ConnectAsync(new DnsEndPoint(settings.AppHost.ToString(), targetPort), null, http11: false, connection.ConnectionClosed); }
        catch (Exception e) when (e is SocketException or OperationCanceledException) { return; }
        await using (upstream) await OpaquePipe.PipeAsync(connection, upstream, TelemetryNames.Inbound, metrics);
    }
}
