using Mesh.Abstractions.Resources;

namespace Mesh.Injection;

/// <summary>The `config.mesh.io/*` annotations the injector reads, on a namespace (inherited by its pods) or on a pod
/// (wins). Values are strings, as every annotation; see the README for each one's syntax.</summary>
public static class ProxyConfigAnnotations
{
    public const string Image = "config.mesh.io/proxy-image";
    public const string Version = "config.mesh.io/proxy-version";
    public const string LogLevel = "config.mesh.io/proxy-log-level";
    public const string InboundPort = "config.mesh.io/proxy-inbound-port";
    public const string OutboundPort = "config.mesh.io/proxy-outbound-port";
    public const string AdminPort = "config.mesh.io/proxy-admin-port";
    public const string ProxyUid = "config.mesh.io/proxy-uid";
    public const string OpaquePorts = MeshAnnotations.OpaquePorts;
    public const string SkipInboundPorts = "config.mesh.io/skip-inbound-ports";
    public const string SkipOutboundPorts = "config.mesh.io/skip-outbound-ports";
    public const string SkipSubnets = "config.mesh.io/skip-subnets";
    public const string DefaultInboundPolicy = MeshAnnotations.DefaultInboundPolicy;
    public const string CpuRequest = "config.mesh.io/proxy-cpu-request";
    public const string CpuLimit = "config.mesh.io/proxy-cpu-limit";
    public const string MemoryRequest = "config.mesh.io/proxy-memory-request";
    public const string MemoryLimit = "config.mesh.io/proxy-memory-limit";
    public const string NativeSidecar = "config.mesh.io/proxy-native-sidecar";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        Image, Version, LogLevel, InboundPort, OutboundPort, AdminPort, ProxyUid, OpaquePorts, SkipInboundPorts,
        SkipOutboundPorts, SkipSubnets, DefaultInboundPolicy, CpuRequest, CpuLimit, MemoryRequest, MemoryLimit, NativeSidecar,
    };
}
