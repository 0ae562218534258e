using System.Collections.Immutable;

namespace Mesh.Abstractions.Resources.Kinds;

/// <summary>v1 Service: the logical service; its endpoints are derived from the Workloads its selector matches.</summary>
public sealed record ServiceResource : MeshResource
{
    public ServiceSpec Spec { get; init; } = new();
}

public sealed record ServiceSpec
{
    /// <summary>Empty: the Service has no derived endpoints (as in Kubernetes).</summary>
    public ImmutableDictionary<string, string> Selector { get; init; } = ImmutableDictionary<string, string>.Empty;
    public ImmutableArray<ServicePort> Ports { get; init; } = [];
    public string Type { get; init; } = "ClusterIP";
    /// <summary>"", "None" (headless: no cluster IP) or an IP; with <see cref="ClusterIPs"/>, its first item.</summary>
    public string? ClusterIP { get; init; }
    /// <summary>Every cluster IP of the Service (dual stack: one per family).</summary>
    public ImmutableArray<string> ClusterIPs { get; init; } = [];
}

public sealed record ServicePort
{
    public string? Name { get; init; }
    public int Port { get; init; }
    /// <summary>Defaults to <see cref="Port"/>.</summary>
    public IntOrString TargetPort { get; init; }
    public string Protocol { get; init; } = "TCP";
    public string? AppProtocol { get; init; }
}
