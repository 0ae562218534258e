using System.Collections.Immutable;

namespace Mesh.Abstractions.Model;

public enum DefaultPolicyKind { AllUnauthenticated = 0, AllAuthenticated = 1, ClusterAuthenticated = 2, Deny = 3 }

/// <summary>What one workload's inbound proxy admits: Servers selecting it, their AuthorizationPolicies
/// (with MeshTLSAuthentication / NetworkAuthentication resolved) and HTTPLocalRateLimitPolicies.</summary>
[GenerateSerializer, Immutable, Alias("mesh.InboundPolicyView")]
public sealed record InboundPolicyView(
    [property: Id(0)] string Namespace,
    [property: Id(1)] string Workload,
    [property: Id(2)] bool Exists,
    [property: Id(3)] DefaultPolicyKind DefaultPolicy,
    [property: Id(4)] ImmutableArray<string> ClusterNetworks,
    [property: Id(5)] ImmutableArray<InboundServerView> Servers,
    [property: Id(6)] ImmutableDictionary<string, int> Ports,
    [property: Id(7)] string? Identity)
{
    public static InboundPolicyView Missing(string ns, string workload, DefaultPolicyKind defaultPolicy) =>
        new(ns, workload, false, defaultPolicy, ImmutableArray<string>.Empty, ImmutableArray<InboundServerView>.Empty,
            ImmutableDictionary<string, int>.Empty, null);
}

[GenerateSerializer, Immutable, Alias("mesh.InboundServerView")]
public sealed record InboundServerView(
    [property: Id(0)] string Name,
    [property: Id(1)] int Port,
    [property: Id(2)] string ProxyProtocol,
    [property: Id(3)] ImmutableArray<AuthorizationView> Authorizations,
    [property: Id(4)] RateLimitView? RateLimit)
{
    /// <summary>Gateway identities whose forwarded client identity this Server believes (Server spec.trustedGateways).</summary>
    [Id(5)] public ImmutableArray<string> TrustedGateways { get; init; } = [];
}

/// <summary>An AuthorizationPolicy bound to a Server. Every required authentication must hold.</summary>
[GenerateSerializer, Immutable, Alias("mesh.AuthorizationView")]
public sealed record AuthorizationView(
    [property: Id(0)] string Name,
    /// <summary>Exact SPIFFE ids, "*" for any authenticated peer, or "*.&lt;suffix&gt;".</summary>
    [property: Id(1)] ImmutableArray<string> Identities,
    [property: Id(2)] bool RequireIdentity,
    [property: Id(3)] ImmutableArray<NetworkView> Networks,
    [property: Id(4)] bool RequireNetwork);

[GenerateSerializer, Immutable, Alias("mesh.NetworkView")]
public sealed record NetworkView([property: Id(0)] string Cidr, [property: Id(1)] ImmutableArray<string> Except);

[GenerateSerializer, Immutable, Alias("mesh.RateLimitView")]
public sealed record RateLimitView(
    [property: Id(0)] string Name,
    [property: Id(1)] int TotalRps,
    [property: Id(2)] int IdentityRps,
    [property: Id(3)] ImmutableArray<RateLimitOverrideView> Overrides);

[GenerateSerializer, Immutable, Alias("mesh.RateLimitOverrideView")]
public sealed record RateLimitOverrideView([property: Id(0)] int Rps, [property: Id(1)] ImmutableArray<string> Identities);
