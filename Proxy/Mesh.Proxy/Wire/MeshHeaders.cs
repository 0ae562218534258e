namespace Mesh.Proxy.Wire;

/// <summary>The header fields the mesh itself puts on the wire (the README's tables say what each carries).</summary>
internal static class MeshHeaders
{
    /// <summary>Which port the peer's inbound forwards to: set only by a proxy, only towards a meshed endpoint.</summary>
    public const string TargetPort = "mesh-target-port";

    /// <summary>Set only by a proxy towards a meshed peer: the request it forwards as `OPTIONS /` was `OPTIONS *`
    /// (honoured only on the inbound, from a verified mesh peer).</summary>
    public const string RequestTarget = "mesh-request-target";

    /// <summary>Set only by a multicluster gateway towards a meshed peer: the client identity the gateway verified on its
    /// inbound mTLS hop (a SPIFFE id). Believed only by a Server listing the gateway's identity in trustedGateways;
    /// removed everywhere else (every proxy's outbound hop, the last hop to an app).</summary>
    public const string ForwardedClientId = "mesh-forwarded-client-id";

    /// <summary>Names the data-plane error on a response the proxy answered itself (`unknown-service`, …).</summary>
    public const string Error = "mesh-error";
}
