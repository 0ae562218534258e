namespace Mesh.Proxy.Wire;

/// <summary>The header fields the mesh itself puts on the wire (the README's tables say what each carries).</summary>
internal static class MeshHeaders
{
    /// <summary>Which port the peer's inbound forwards to: set only by a proxy, only towards a meshed endpoint.</summary>
    public const string TargetPort = "mesh-target-port";

    /// <summary>Names the data-plane error on a response the proxy answered itself (`unknown-service`, …).</summary>
    public const string Error = "mesh-error";
}
