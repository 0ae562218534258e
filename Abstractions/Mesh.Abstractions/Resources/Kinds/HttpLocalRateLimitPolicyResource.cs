using System.Collections.Immutable;

namespace Mesh.Abstractions.Resources.Kinds;

/// <summary>policy.mesh.io/v1alpha1 HTTPLocalRateLimitPolicy: per-proxy rate limits on a Server.</summary>
public sealed record HttpLocalRateLimitPolicyResource : MeshResource
{
    public HttpLocalRateLimitPolicySpec Spec { get; init; } = new();
}

public sealed record HttpLocalRateLimitPolicySpec
{
    public PolicyRef TargetRef { get; init; } = new();
    /// <summary>Limit on all traffic; absent = none.</summary>
    public RateLimit? Total { get; init; }
    /// <summary>Limit per client identity; absent = none.</summary>
    public RateLimit? Identity { get; init; }
    public ImmutableArray<RateLimitOverride> Overrides { get; init; } = [];
}

public sealed record RateLimit
{
    public int RequestsPerSecond { get; init; }
}

public sealed record RateLimitOverride
{
    public int RequestsPerSecond { get; init; }
    public ImmutableArray<PolicyRef> ClientRefs { get; init; } = [];
}
