using System.Collections.Immutable;

namespace Mesh.Abstractions.Resources.Kinds;

/// <summary>policy.mesh.io/v1alpha1 MeshTLSAuthentication: clients with one of these mTLS identities.</summary>
public sealed record MeshTlsAuthenticationResource : MeshResource
{
    public MeshTlsAuthenticationSpec Spec { get; init; } = new();
}

public sealed record MeshTlsAuthenticationSpec
{
    /// <summary>SPIFFE ids, or "*" for any authenticated client.</summary>
    public ImmutableArray<string> Identities { get; init; } = [];
    /// <summary>ServiceAccount references (namespace defaults to this resource's).</summary>
    public ImmutableArray<PolicyRef> IdentityRefs { get; init; } = [];
}
