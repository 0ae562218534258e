using System.Collections.Immutable;

namespace Mesh.Abstractions.Resources.Kinds;

/// <summary>policy.mesh.io/v1alpha1 NetworkAuthentication: clients whose address is in one of these networks.</summary>
public sealed record NetworkAuthenticationResource : MeshResource
{
    public NetworkAuthenticationSpec Spec { get; init; } = new();
}

public sealed record NetworkAuthenticationSpec
{
    public ImmutableArray<AuthNetwork> Networks { get; init; } = [];
}

public sealed record AuthNetwork
{
    public string Cidr { get; init; } = "";
    public ImmutableArray<string> Except { get; init; } = [];
}
