using System.Collections.Immutable;

namespace Mesh.Abstractions.Resources.Kinds;

/// <summary>multicluster.mesh.io/v1alpha1 Link: a remote cluster whose exports this cluster mirrors — where its
/// silo's federation API is and who it is, its gateway, how to probe it, and which of its exports to take. Named for
/// the target cluster, in the control plane's namespace (cf. Linkerd's multicluster.linkerd.io Link).</summary>
public sealed record LinkResource : MeshResource
{
    public LinkSpec Spec { get; init; } = new();
}

public sealed record LinkSpec
{
    public string TargetClusterName { get; init; } = "";
    public string TargetClusterDomain { get; init; } = MeshNames.DefaultClusterDomain;
    /// <summary>"host:port" of the remote silo's federation listener.</summary>
    public string FederationAddress { get; init; } = "";
    /// <summary>The SPIFFE id the remote silo must present there.</summary>
    public string FederationIdentity { get; init; } = "";
    /// <summary>Null: no gateway (the link mirrors flat-mode exports only).</summary>
    public string? GatewayAddress { get; init; }
    public int GatewayPort { get; init; } = Names.MulticlusterNames.DefaultGatewayPort;
    public string? GatewayIdentity { get; init; }
    public LinkProbeSpec ProbeSpec { get; init; } = new();
    /// <summary>Of the remote exports, the Services mirrored in gateway mode. The exporting side decides what it
    /// exports; these only narrow it.</summary>
    public LabelSelector Selector { get; init; } = new();
    public LabelSelector RemoteDiscoverySelector { get; init; } = new();
    public LabelSelector FederatedServiceSelector { get; init; } = new();
    /// <summary>Label and annotation keys never copied onto mirrors.</summary>
    public ImmutableArray<string> ExcludedLabels { get; init; } = [];
    public ImmutableArray<string> ExcludedAnnotations { get; init; } = [];
}

/// <summary>The gateway probe: a request to <see cref="Path"/> through the gateway every <see cref="Period"/>;
/// <see cref="FailureThreshold"/> failures in a row mark the mirrors' endpoints not ready.</summary>
public sealed record LinkProbeSpec
{
    public string Path { get; init; } = Names.MulticlusterNames.DefaultProbePath;
    /// <summary>Gateway API duration ("3s").</summary>
    public string Period { get; init; } = "3s";
    public string Timeout { get; init; } = "2s";
    public int FailureThreshold { get; init; } = 3;

    /// <summary><see cref="Period"/> as a time span (the parser has checked it; methods, so it is never serialized).</summary>
    public TimeSpan GetPeriod() => Validation.Duration.Parse(Period);

    public TimeSpan GetTimeout() => Validation.Duration.Parse(Timeout);
}

/// <summary>multicluster.mesh.io/v1alpha1 FederationPeer: a remote silo identity allowed to watch this cluster's
/// exports (what `mesh multicluster allow` writes). Without one, every peer is refused.</summary>
public sealed record FederationPeerResource : MeshResource
{
    public FederationPeerSpec Spec { get; init; } = new();
}

public sealed record FederationPeerSpec
{
    public string Identity { get; init; } = "";
}
