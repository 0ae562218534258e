using System.Globalization;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Errors;

namespace Mesh.Proxy.Inbound;

/// <summary>Chooses the app port an inbound request or connection goes to, and refuses any port the client may not choose:
/// nothing an unauthenticated client sends picks a destination, and only ports the workload declares are ever reached.</summary>
/// <remarks>
/// The port comes from, in order: the sender's target port (the <c>mesh-target-port</c> header or the opaque transport
/// header), the original destination of a redirected connection (transparent mode, chosen by the kernel), the default
/// app port (<c>--app-addr ip:port</c>, else the workload's single declared port). Every one must be a declared port of
/// the workload (its Workload ports and the target ports of Services selecting it, from the control plane; the
/// configured app port) and never one of the proxy's own listeners, declared or not.
/// With mesh TLS on, a target port is honoured only from a peer that presented a mesh certificate verified against
/// the trust anchors; an unauthenticated client's header is refused unless it names the default port anyway (then it
/// changes nothing). Refusing (rather than ignoring and sending to the default port) is fail-closed: the request is not
/// carried somewhere the sender did not ask for, and the attempt is visible as a 403 and a counter. Without trust
/// anchors (development, h2c between proxies) no peer has an identity; the header is then honoured for declared ports
/// only, and authorization still decides per port.
/// </remarks>
internal static class InboundTarget
{
    /// <summary>The port to forward to, or why not.</summary>
    /// <param name="requested">The sender's target port, as text (null: none sent).</param>
    /// <param name="original">The original destination port of a redirected connection (null: not redirected).</param>
    /// <param name="peer">The peer's verified mesh identity (null: plaintext or no client certificate).</param>
    /// <param name="proxyPorts">The proxy's own bound listeners (inbound, outbound, admin).</param>
    public static (int Port, ProxyRefusal? Refusal) Resolve(string? requested, int? original, string? peer,
        CompiledInboundPolicy policy, ProxySettings settings, ReadOnlySpan<int> proxyPorts)
    {
        var fallback = settings.AppPort ?? policy.SinglePort;
        if (requested is not null)
        {
            if (!int.TryParse(requested, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
                return Refuse(ProxyError.BadTarget, $"inbound: target port '{Printable(requested)}' is not a port number");
            if (peer is null && settings.TrustAnchorsPath is not null && port != fallback)
                return Refuse(ProxyError.Unauthorized,
                    $"inbound: target port {port} named by an unauthenticated client; only mesh peers (mTLS) choose a port");
            return Check(port, "named by the client", policy, settings, proxyPorts);
        }
        if (original is int redirected) return Check(redirected, "the connection's original destination", policy, settings, proxyPorts);
        if (fallback is not int app)
            return Refuse(ProxyError.BadTarget, "inbound: no target port (the workload declares several ports; configure --app-addr ip:port)");
        return Check(app, "the default app port", policy, settings, proxyPorts);
    }

    private static (int, ProxyRefusal?) Check(int port, string source, CompiledInboundPolicy policy, ProxySettings settings, ReadOnlySpan<int> proxyPorts)
    {
        if (proxyPorts.Contains(port))
            return Refuse(ProxyError.Unauthorized, $"inbound: port {port} ({source}) is the proxy's own listener, never a target");
        if (port != settings.AppPort && !policy.DeclaredPorts.Contains(port))
            return Refuse(ProxyError.Unauthorized, $"inbound: port {port} ({source}) is not a port the workload declares");
        return (port, null);
    }

    private static (int, ProxyRefusal?) Refuse(ProxyError error, string reason) => (0, new ProxyRefusal(error, reason));

    /// <summary>The client's text, cut short and without control characters, for an error body.</summary>
    private static string Printable(string text) =>
        new([.. text.Take(16).Select(c => char.IsControl(c) ? '?' : c)]);
}
