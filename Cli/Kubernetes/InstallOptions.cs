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

    public int SiloReplicas => HighAvailability ? 3 : 1;
}
