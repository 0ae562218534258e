using System.Collections.Immutable;

namespace Mesh.Abstractions.Model;

/// <summary>A Service as the data plane sees it: its ports and how to treat them. Derived from a v1/Service.</summary>
[GenerateSerializer, Immutable, Alias("mesh.ServiceView")]
public sealed record ServiceView(
    [property: Id(0)] string Namespace,
    [property: Id(1)] string Name,
    [property: Id(2)] ImmutableArray<ServicePortView> Ports,
    [property: Id(3)] ImmutableDictionary<string, string> Selector,
    [property: Id(4)] ImmutableDictionary<string, string> Labels,
    [property: Id(5)] ImmutableDictionary<string, string> Annotations)
{
    public string Fqdn(string clusterDomain = MeshNames.DefaultClusterDomain) => Names.ServiceName.FormatFqdn(Name, Namespace, clusterDomain);
}

/// <summary>One port of a Service. TargetPort is a number, or a port name resolved per workload.</summary>
[GenerateSerializer, Immutable, Alias("mesh.ServicePortView")]
public sealed record ServicePortView(
    [property: Id(0)] string? Name,
    [property: Id(1)] int Port,
    [property: Id(2)] string TargetPort,
    [property: Id(3)] string? AppProtocol,
    [property: Id(4)] bool Opaque);
