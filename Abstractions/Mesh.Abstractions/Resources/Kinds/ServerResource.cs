using System.Collections.Immutable;

namespace Mesh.Abstractions.Resources.Kinds;

/// <summary>policy.mesh.io/v1alpha1 Server: a port of the Workloads its podSelector matches, and the protocol
/// spoken there (cf. policy.linkerd.io Server). Traffic to it is denied unless an AuthorizationPolicy allows it.</summary>
public sealed record ServerResource : MeshResource
{
    public ServerSpec Spec { get; init; } = new();
}

public sealed record ServerSpec
{
    public LabelSelector PodSelector { get; init; } = new();
    public IntOrString Port { get; init; }
    /// <summary>unknown, HTTP/1, HTTP/2, gRPC, opaque or TLS.</summary>
    public string ProxyProtocol { get; init; } = "unknown";
    /// <summary>Identities of multicluster gateways (exact, SPIFFE or mesh DNS form) whose forwarded client identity
    /// (the mesh-forwarded-client-id header) this Server believes: from one of them, authorization and metrics use the
    /// identity the gateway verified; from any other peer the header is ignored. Empty: no gateway is believed.</summary>
    public ImmutableArray<string> TrustedGateways { get; init; } = [];
}

/// <summary>A Kubernetes label selector; an empty selector matches everything.</summary>
public sealed record LabelSelector
{
    public ImmutableDictionary<string, string> MatchLabels { get; init; } = ImmutableDictionary<string, string>.Empty;
    public ImmutableArray<LabelSelectorRequirement> MatchExpressions { get; init; } = [];
}

/// <summary>Operator In, NotIn, Exists or DoesNotExist.</summary>
public sealed record LabelSelectorRequirement
{
    public string Key { get; init; } = "";
    public string Operator { get; init; } = "";
    public ImmutableArray<string> Values { get; init; } = [];
}
