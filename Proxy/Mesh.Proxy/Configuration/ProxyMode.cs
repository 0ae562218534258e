namespace Mesh.Proxy.Configuration;

/// <summary>What the `mesh-proxy` process does: run as a sidecar, or write the iptables rules and exit.</summary>
public enum ProxyMode
{
    /// <summary>Inbound, outbound and admin listeners next to one workload.</summary>
    Sidecar,
    /// <summary>Write (or with --remove delete) the iptables nat rules for transparent interception, then exit.</summary>
    Init,
}
