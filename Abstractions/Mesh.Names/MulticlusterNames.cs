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

    /// <summary>On every mirror a link writes: the cluster it mirrors (for people and `mesh get`; who owns a mirror is
    /// the catalog's recorded source, never this label or the name).</summary>
    public const string ClusterLabel = "mirror.mesh.io/cluster-name";
    /// <summary>On a federated service <c>&lt;svc&gt;-federated</c>: the member Service it unions. Its endpoints are its
    /// slices (one set per linked member cluster) plus the Workloads its selector matches (the local member).</summary>
    public const string FederatedServiceLabel = "mirror.mesh.io/federated-service";
    /// <summary>The federated service of member <c>books</c> is <c>books-federated</c>.</summary>
    public const string FederatedSuffix = "-federated";
    /// <summary>On a mirror Service: the remote Service's FQDN ("books.default.svc.cluster.local").</summary>
    public const string RemoteFqdnAnnotation = "mirror.mesh.io/remote-svc-fq-name";
    /// <summary>On a mirror EndpointSlice: the SPIFFE id its endpoints' proxies present (the remote gateway's, or the
    /// remote pods' own in flat mode). An endpoint backed by a local Workload takes that Workload's identity instead.</summary>
    public const string SliceIdentityAnnotation = "mirror.mesh.io/identity";
    /// <summary>On a mirror EndpointSlice: the mesh mTLS port of its endpoints' proxies (the gateway port, or the remote
    /// pods' inbound proxy port).</summary>
    public const string SliceProxyPortAnnotation = "mirror.mesh.io/proxy-port";
    /// <summary>On a gateway-mode mirror EndpointSlice: the host requests through it name (the remote Service's FQDN;
    /// the Service port is appended), so the remote gateway routes them to its own Service.</summary>
    public const string SliceAuthorityAnnotation = "mirror.mesh.io/authority";

    /// <summary>Default path of the gateway probe of a Link.</summary>
    public const string DefaultProbePath = "/ready";
    /// <summary>The authority a link's gateway probe names: a gateway answers <see cref="DefaultProbePath"/> for it
    /// itself (a single DNS label, so it is never a Service's name.namespace).</summary>
    public const string GatewayProbeAuthority = "mesh-gateway-probe";
    /// <summary>Linkerd's gateway port: the multicluster gateway's mesh mTLS ingress (a proxy's inbound).</summary>
    public const int DefaultGatewayPort = 4143;
}
