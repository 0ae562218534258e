using System.Collections.Concurrent;
using System.Globalization;
using Mesh.Names;

namespace Mesh.Proxy.Telemetry;

/// <summary>linkerd2-proxy's destination labels of a concrete service (dst_namespace, dst_service, dst_port), parsed
/// once from its authority when a profile is compiled, so the hot path only copies references.</summary>
internal sealed class DstLabels
{
    public static readonly DstLabels None = new("", "", "");

    private DstLabels(string ns, string service, string port) => (Namespace, Service, Port) = (ns, service, port);

    public string Namespace { get; }
    public string Service { get; }
    public string Port { get; }

    /// <summary>"name.ns.svc.cluster.local:port" or "name.ns:port" → (ns, name, port); anything else (an address) only
    /// its port.</summary>
    public static DstLabels From(string authority)
    {
        var colon = authority.LastIndexOf(':');
        var host = colon < 0 ? authority : authority[..colon];
        var port = colon < 0 ? "" : authority[(colon + 1)..];
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out _)) port = "";
        var parts = host.Split('.');
        var named = parts.Length == 2 || parts.Length >= 3 && parts[2] == "svc";
        if (!named || parts[0].Length == 0 || parts[1].Length == 0 || IsAddress(host))
            return port.Length == 0 ? None : new DstLabels("", "", port);
        return new DstLabels(parts[1], parts[0], port);
    }

    private static bool IsAddress(string host) => System.Net.IPAddress.TryParse(host.Trim('[', ']'), out _);
}

/// <summary>A peer's identity as linkerd2-proxy labels it (client_id, server_id: the DNS form
/// "sa.ns.serviceaccount.identity.mesh.td"; dst_serviceaccount), from the SPIFFE id the hop verified. Cached per
/// identity: the set is bounded by the service accounts the mesh CA certified.</summary>
internal sealed class PeerLabels
{
    private const int MaxCached = 4096;
    private static readonly ConcurrentDictionary<string, PeerLabels> Cache = new(StringComparer.Ordinal);

    private PeerLabels(string id, string serviceAccount) => (Id, ServiceAccount) = (id, serviceAccount);

    public string Id { get; }
    public string ServiceAccount { get; }

    public static PeerLabels Of(string spiffeId)
    {
        if (Cache.TryGetValue(spiffeId, out var cached)) return cached;
        var labels = SpiffeId.TryParse(spiffeId, out var id) ? new PeerLabels(id.DnsName, id.ServiceAccount) : new PeerLabels(spiffeId, "");
        if (Cache.Count < MaxCached) Cache.TryAdd(spiffeId, labels);
        return labels;
    }
}
