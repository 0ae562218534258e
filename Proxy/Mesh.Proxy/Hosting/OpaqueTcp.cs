using System.Net;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Gateway;
using Mesh.Proxy.Inbound;
using Mesh.Proxy.Outbound;
using Microsoft.AspNetCore.Connections;

namespace Mesh.Proxy.Hosting;

/// <summary>Opaque TCP as <see cref="ProtocolDetection"/> sees it: hands each connection to its half — outbound
/// (<see cref="OpaqueTcpOutbound"/>), inbound (<see cref="OpaqueTcpInbound"/>), or a multicluster gateway's
/// (<see cref="GatewayHandler.OpaqueAsync"/>).</summary>
internal sealed class OpaqueTcp(ProxySettings settings, OpaqueTcpOutbound outbound, OpaqueTcpInbound inbound, GatewayHandler gateway)
{
    public bool IsOpaqueInboundPort(int port) => inbound.IsOpaqueInboundPort(port);

    public ValueTask<bool> IsOpaqueDestinationAsync(IPEndPoint original, CancellationToken ct) => outbound.IsOpaqueDestinationAsync(original, ct);

    /// <summary>Inbound with a transport header: to the app (a sidecar), or to <paramref name="authority"/>, an exported
    /// service (a gateway).</summary>
    public Task InboundAsync(ConnectionContext connection, int targetPort, string authority = "") =>
        settings.Mode == ProxyMode.Gateway ? gateway.OpaqueAsync(connection, authority) : inbound.InboundAsync(connection, targetPort);

    public Task RedirectedInboundAsync(ConnectionContext connection, int originalPort) => inbound.RedirectedInboundAsync(connection, originalPort);

    public Task OutboundAsync(ConnectionContext connection, IPEndPoint original) => outbound.OutboundAsync(connection, original);

    public Task ConnectTunnelAsync(ConnectionContext connection, string authority) => outbound.ConnectTunnelAsync(connection, authority);
}
