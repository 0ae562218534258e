namespace Mesh.Proxy.Wire;

/// <summary>The header fields the mesh itself puts on the wire (the README's tables say what each carries).</summary>
internal static class MeshHeaders
{
    /// <summary>Which port the peer's inbound forwards to: set only by a proxy, only towards a meshed endpoint.</summary>
    public const string TargetPort = "mesh-target-port";

    /// <summary>Set only by a proxy towards a meshed peer: the request it forwards as `OPTIONS /` was `OPTIONS *`
    /// (honoured only on the inbound, from a verified mesh peer).</summary>
    public const string RequestTarget = "mesh-request-target";

    /// <summary>Names the data-plane error on a response the proxy answered itself (`unknown-service`, …).</summary>
    public const string Error = "mesh-error";
}
