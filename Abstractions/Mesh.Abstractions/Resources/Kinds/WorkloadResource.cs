using System.Collections.Immutable;

namespace Mesh.Abstractions.Resources.Kinds;

/// <summary>mesh.io/v1alpha1 Workload: one instance of an application outside Kubernetes (the role a Pod plays;
/// cf. Linkerd's ExternalWorkload). Meshed when <see cref="WorkloadSpec.Proxy"/> is set.</summary>
public sealed record WorkloadResource : MeshResource
{
    public WorkloadSpec Spec { get; init; } = new();
    public WorkloadStatus Status { get; init; } = new();
}

public sealed record WorkloadSpec
{
    public string ServiceAccount { get; init; } = "default";
    public ImmutableArray<string> Addresses { get; init; } = [];
    public ImmutableArray<WorkloadPort> Ports { get; init; } = [];
    public WorkloadProxy? Proxy { get; init; }
    public string? Zone { get; init; }
    public int Weight { get; init; } = 1;
}

public sealed record WorkloadPort
{
    public string? Name { get; init; }
    public int Port { get; init; }
}

/// <summary>The workload's sidecar proxy ports (Linkerd's: inbound 4143, admin 4191).</summary>
public sealed record WorkloadProxy
{
    public int InboundPort { get; init; } = 4143;
    public int AdminPort { get; init; } = 4191;
}

public sealed record WorkloadStatus
{
    public bool Ready { get; init; } = true;
}
