namespace Mesh.Proxy.Configuration;

/// <summary>What inbound traffic to a port without a Server is allowed (Linkerd's default policies).</summary>
public enum DefaultInboundPolicy
{
    AllUnauthenticated,
    AllAuthenticated,
    ClusterAuthenticated,
    Deny,
}
