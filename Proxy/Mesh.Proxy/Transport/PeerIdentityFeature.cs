namespace Mesh.Proxy.Transport;

/// <summary>Connection feature set by the mesh-TLS server side: the verified identity of the client proxy.</summary>
public sealed class PeerIdentityFeature(string identity)
{
    public string Identity { get; } = identity;
}
