namespace Mesh.Cli.Kubernetes;

/// <summary>Which CRDs `mesh install` renders: all of them, none, or only them.</summary>
internal enum CrdSelection
{
    /// <summary>Control plane and CRDs (the Gateway API ones unless left out).</summary>
    Include,
    /// <summary>Control plane only: the CRDs are managed elsewhere.</summary>
    Ignore,
    /// <summary>CRDs only (install them first, e.g. before a GitOps tool applies the rest).</summary>
    Only,
}

/// <summary>What `mesh install` renders: where, how many silos, which images, which CRDs.</summary>
internal sealed record InstallOptions
{
    public required string Namespace { get; init; }
    /// <summary>3 silos, a PodDisruptionBudget (anti-affinity spreads them over nodes); otherwise 1 silo, no budget.</summary>
    public bool HighAvailability { get; init; }
    public required string TrustDomain { get; init; }
    public required string SiloImage { get; init; }
    public required string ProxyImage { get; init; }
    public required string RedisImage { get; init; }
    public CrdSelection Crds { get; init; } = CrdSelection.Include;
    /// <summary>false: leave the Gateway API CRDs out (a cluster whose Gateway API is installed and upgraded by someone else).</summary>
    public bool GatewayApiCrds { get; init; } = true;

    /// <summary>MESH_CLUSTER_NAME: the name linked clusters know this one by (a DNS label); null: not set.</summary>
    public string? ClusterName { get; init; }
    /// <summary>The federation listener on the silo (MESH_FEDERATION_ADDR) and its LoadBalancer Service mesh-federation.</summary>
    public bool Federation { get; init; }
    /// <summary>The multicluster gateway: its Deployment, ServiceAccount and LoadBalancer Service mesh-gateway.</summary>
    public bool Gateway { get; init; }
    /// <summary>Where peers reach the gateway (its LoadBalancer's address, host:port), which the silo advertises as
    /// MESH_MULTICLUSTER_GATEWAY; null: not known yet, the silo advertises no gateway.</summary>
    public string? GatewayAddress { get; init; }

    public int SiloReplicas => HighAvailability ? 3 : 1;

    /// <summary>--ha: two gateway pods on different nodes (and a PodDisruptionBudget), so a node or a drain never takes
    /// the cluster's gateway-mode exports away; otherwise one.</summary>
    public int GatewayReplicas => HighAvailability ? 2 : 1;

    /// <summary>The SPIFFE id the gateway's pods are certified with (ServiceAccount gateway in the control plane's namespace).</summary>
    public string GatewayIdentity => Mesh.Names.SpiffeId.Format(TrustDomain, Namespace, GatewayServiceAccount);

    /// <summary>The gateway's ServiceAccount (deploy/manifests/gateway.yaml): the sa of its identity.</summary>
    public const string GatewayServiceAccount = "gateway";
}
