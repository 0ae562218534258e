using Mesh.Proxy.Configuration;
using Mesh.Proxy.Telemetry;

namespace Mesh.Proxy.Hosting;

/// <summary>The three listeners by name (the names are also the <c>direction</c> label of their metrics).</summary>
internal static class ProxyListeners
{
    public const string Inbound = TelemetryNames.Inbound;
    public const string Outbound = TelemetryNames.Outbound;
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Inbound, Outbound, Admin];

    /// <summary>The listener a request arrived on, by its local port; null for none of the three.</summary>
    public static string? Of(ListenerPorts ports, int localPort) =>
        localPort == ports.Inbound ? Inbound : localPort == ports.Outbound ? Outbound : localPort == ports.Admin ? Admin : null;
}
