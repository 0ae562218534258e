using System.Collections.Immutable;

namespace Mesh.Abstractions.Resources.Kinds;

/// <summary>discovery.k8s.io/v1 EndpointSlice: endpoints of the Service its label
/// <see cref="Names.KubernetesObjects.ServiceNameLabel"/> names. When a Service has any slice its endpoints come from its
/// slices instead of from the Workloads its selector matches. Fields are at the top level, as in Kubernetes (no spec).</summary>
public sealed record EndpointSliceResource : MeshResource
{
    /// <summary>IPv4, IPv6 or FQDN.</summary>
    public string AddressType { get; init; } = "IPv4";
    public ImmutableArray<SliceEndpoint> Endpoints { get; init; } = [];
    public ImmutableArray<SlicePort> Ports { get; init; } = [];
}

public sealed record SliceEndpoint
{
    /// <summary>At least one; only the first is used (kube-proxy's rule: no semantics are defined for the others).</summary>
    public ImmutableArray<string> Addresses { get; init; } = [];
    public SliceConditions Conditions { get; init; } = new();
    public string? Hostname { get; init; }
    /// <summary>The object behind the endpoint; a Pod the catalog holds as a Workload lends it identity, zone and proxy.</summary>
    public SliceTargetRef? TargetRef { get; init; }
    public string? NodeName { get; init; }
    public string? Zone { get; init; }
}

/// <summary>Absent means unknown, which Kubernetes says consumers must read as ready (serving likewise).</summary>
public sealed record SliceConditions
{
    public bool? Ready { get; init; }
    public bool? Serving { get; init; }
    public bool? Terminating { get; init; }
}

public sealed record SliceTargetRef
{
    public string Kind { get; init; } = "";
    public string Name { get; init; } = "";
    public string? Namespace { get; init; }
}

/// <summary>A port of every endpoint of the slice. <see cref="Name"/> is the Service port's name ("" for an unnamed
/// port); <see cref="Port"/> is the number the endpoints listen on (the Service port's resolved targetPort).</summary>
public sealed record SlicePort
{
    public string Name { get; init; } = "";
    public int? Port { get; init; }
    public string Protocol { get; init; } = "TCP";
    public string? AppProtocol { get; init; }
}
