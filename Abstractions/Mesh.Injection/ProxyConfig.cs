namespace Mesh.Injection;

/// <summary>The proxy one pod gets: <see cref="InjectionSettings"/> with the namespace's and then the pod's
/// `config.mesh.io/*` annotations applied. Every value is validated (ports are numbers, lists parse, quantities are
/// Kubernetes quantities) before a container is built from it.</summary>
internal sealed record ProxyConfig
{
    public required InjectMode Mode { get; init; }
    public required string Image { get; init; }
    public required string Version { get; init; }
    public required string ControlAddress { get; init; }
    public required string LogLevel { get; init; }
    public string TrustDomain { get; init; } = Names.SpiffeId.DefaultTrustDomain;
    public int InboundPort { get; init; } = Names.KubernetesObjects.ProxyInboundPort;
    public int OutboundPort { get; init; } = Names.KubernetesObjects.ProxyOutboundPort;
    public int AdminPort { get; init; } = Names.KubernetesObjects.ProxyAdminPort;
    public int ProxyUid { get; init; } = Names.KubernetesObjects.ProxyUid;
    /// <summary>Port lists in the proxy's own syntax ("3306,6379-6380"), passed through once validated.</summary>
    public string? OpaquePorts { get; init; }
    public string? SkipInboundPorts { get; init; }
    public string? SkipOutboundPorts { get; init; }
    public string? SkipSubnets { get; init; }
    public string? DefaultInboundPolicy { get; init; }
    public string? CpuRequest { get; init; }
    public string? CpuLimit { get; init; }
    public string? MemoryRequest { get; init; }
    public string? MemoryLimit { get; init; }
    /// <summary>True: the proxy is an init container with restartPolicy Always (Kubernetes 1.29+), so it starts before the
    /// app and does not keep a Job's pod alive. False: a classic first container.</summary>
    public bool NativeSidecar { get; init; } = true;
}
