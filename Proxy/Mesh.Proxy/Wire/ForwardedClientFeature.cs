namespace Mesh.Proxy.Wire;

/// <summary>Request feature a gateway sets on a request it admitted: the client identity its inbound mTLS hop verified,
/// sent on as <see cref="MeshHeaders.ForwardedClientId"/> to a meshed peer. Nothing else puts that header on the wire.</summary>
internal sealed class ForwardedClientFeature(string identity)
{
    public string Identity { get; } = identity;
}
