namespace Mesh.Names;

/// <summary>The labels that decide what a cluster exports to its linked clusters, and the names of the multicluster
/// objects. The exporting silo evaluates these itself (a peer never sees a Service that carries none of them).</summary>
public static class MulticlusterNames
{
    /// <summary>On a Service: <see cref="ExportedGateway"/> or <see cref="ExportedRemoteDiscovery"/>.</summary>
    public const string ExportedLabel = "mirror.mesh.io/exported";
    /// <summary>Gateway mode: peers reach the Service through this cluster's multicluster gateway.</summary>
    public const string ExportedGateway = "true";
    /// <summary>Flat mode: peers get the Service's endpoints (pod addresses and identities) and dial them directly.</summary>
    public const string ExportedRemoteDiscovery = "remote-discovery";
    /// <summary>On a Service: <see cref="FederatedMember"/> makes it a member of the federated service
    /// <c>&lt;name&gt;-federated</c> every linked cluster builds.</summary>
    public const string FederatedLabel = "mirror.mesh.io/federated";
    public const string FederatedMember = "member";

    /// <summary>Default path of the gateway probe of a Link.</summary>
    public const string DefaultProbePath = "/ready";
    /// <summary>Linkerd's gateway port: the multicluster gateway's mesh mTLS ingress (a proxy's inbound).</summary>
    public const int DefaultGatewayPort = 4143;
}
