namespace Mesh.Proxy.Configuration;

/// <summary>What the `mesh-proxy` process does: run as a sidecar or a multicluster gateway, or write the iptables rules and exit.</summary>
public enum ProxyMode
{
    /// <summary>Inbound, outbound and admin listeners next to one workload.</summary>
    Sidecar,
    /// <summary>Multicluster ingress: accepts mesh mTLS from other clusters' proxies for exported services and forwards
    /// each request (or opaque connection) to the service in this cluster, like a sidecar's outbound side.</summary>
    Gateway,
    /// <summary>Write (or with --remove delete) the iptables nat rules for transparent interception, then exit.</summary>
    Init,
}
