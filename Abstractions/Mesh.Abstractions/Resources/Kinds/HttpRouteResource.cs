using System.Collections.Immutable;

namespace Mesh.Abstractions.Resources.Kinds;

/// <summary>gateway.networking.k8s.io/v1 HTTPRoute attached to a Service (GAMMA).</summary>
public sealed record HttpRouteResource : MeshResource
{
    public HttpRouteSpec Spec { get; init; } = new();
}

public sealed record HttpRouteSpec
{
    public ImmutableArray<string> Hostnames { get; init; } = [];
    public ImmutableArray<ParentRef> ParentRefs { get; init; } = [];
    public ImmutableArray<HttpRouteRule> Rules { get; init; } = [];
}

public sealed record HttpRouteRule
{
    public string? Name { get; init; }
    public ImmutableArray<HttpRouteMatch> Matches { get; init; } = [];
    public ImmutableArray<RouteFilter> Filters { get; init; } = [];
    public ImmutableArray<BackendRef> BackendRefs { get; init; } = [];
    public HttpRouteTimeouts? Timeouts { get; init; }
}

public sealed record HttpRouteMatch
{
    public HttpPathMatch? Path { get; init; }
    public ImmutableArray<NameValueMatch> Headers { get; init; } = [];
    public ImmutableArray<NameValueMatch> QueryParams { get; init; } = [];
    public string? Method { get; init; }
}

/// <summary>Type Exact, PathPrefix or RegularExpression.</summary>
public sealed record HttpPathMatch
{
    public string Type { get; init; } = "PathPrefix";
    public string Value { get; init; } = "/";
}

/// <summary>A header or query-parameter match; type Exact or RegularExpression.</summary>
public sealed record NameValueMatch
{
    public string Type { get; init; } = "Exact";
    public string Name { get; init; } = "";
    public string Value { get; init; } = "";
}

/// <summary>Gateway API durations ("10s", "1m30s"); backendRequest ≤ request unless request is "0s" (no limit).</summary>
public sealed record HttpRouteTimeouts
{
    public string? Request { get; init; }
    public string? BackendRequest { get; init; }
}
