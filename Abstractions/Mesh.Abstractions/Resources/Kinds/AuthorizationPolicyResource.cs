using System.Collections.Immutable;

namespace Mesh.Abstractions.Resources.Kinds;

/// <summary>policy.mesh.io/v1alpha1 AuthorizationPolicy: authorizes clients of a Server (or of every Server of the
/// Namespace) that pass all its required authentications.</summary>
public sealed record AuthorizationPolicyResource : MeshResource
{
    public AuthorizationPolicySpec Spec { get; init; } = new();
}

public sealed record AuthorizationPolicySpec
{
    public PolicyRef TargetRef { get; init; } = new();
    /// <summary>MeshTLSAuthentication / NetworkAuthentication (group policy.mesh.io) or ServiceAccount (group "").
    /// Empty: every client is authorized.</summary>
    public ImmutableArray<PolicyRef> RequiredAuthenticationRefs { get; init; } = [];
}

/// <summary>A reference by group, kind, name and (optionally) namespace.</summary>
public sealed record PolicyRef
{
    public string Group { get; init; } = "";
    public string Kind { get; init; } = "";
    public string Name { get; init; } = "";
    public string? Namespace { get; init; }
}
