using System.Collections.Immutable;

namespace Mesh.Abstractions.Resources.Kinds;

/// <summary>gateway.networking.k8s.io/v1 GRPCRoute attached to a Service (GAMMA). No timeouts in the standard channel.</summary>
public sealed record GrpcRouteResource : MeshResource
{
    public GrpcRouteSpec Spec { get; init; } = new();
}

public sealed record GrpcRouteSpec
{
    public ImmutableArray<string> Hostnames { get; init; } = [];
    public ImmutableArray<ParentRef> ParentRefs { get; init; } = [];
    public ImmutableArray<GrpcRouteRule> Rules { get; init; } = [];
}

public sealed record GrpcRouteRule
{
    public string? Name { get; init; }
    public ImmutableArray<GrpcRouteMatch> Matches { get; init; } = [];
    public ImmutableArray<RouteFilter> Filters { get; init; } = [];
    public ImmutableArray<BackendRef> BackendRefs { get; init; } = [];
}

public sealed record GrpcRouteMatch
{
    public GrpcMethodMatch? Method { get; init; }
    public ImmutableArray<NameValueMatch> Headers { get; init; } = [];
}

/// <summary>Type Exact or RegularExpression; at least one of service and method.</summary>
public sealed record GrpcMethodMatch
{
    public string Type { get; init; } = "Exact";
    public string? Service { get; init; }
    public string? Method { get; init; }
}
