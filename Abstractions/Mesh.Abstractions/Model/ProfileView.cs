using System.Collections.Immutable;

namespace Mesh.Abstractions.Model;

/// <summary>How a proxy routes to one logical service: compiled HTTPRoutes/GRPCRoutes (GAMMA, parentRef = the Service)
/// plus retry, timeout and failure-accrual settings from annotations. Routes are in Gateway API precedence order.</summary>
[GenerateSerializer, Immutable, Alias("mesh.ProfileView")]
public sealed record ProfileView(
    [property: Id(0)] string Namespace,
    [property: Id(1)] string Service,
    /// <summary>Routes per service port; key 0 holds routes whose parentRef names no port (they apply to every port).</summary>
    [property: Id(2)] ImmutableArray<RouteView> Routes,
    [property: Id(3)] RetryView? Retry,
    [property: Id(4)] TimeoutsView? Timeouts,
    [property: Id(5)] FailureAccrualView FailureAccrual,
    [property: Id(6)] ImmutableArray<int> OpaquePorts)
{
    public static ProfileView Default(string ns, string service) =>
        new(ns, service, ImmutableArray<RouteView>.Empty, null, null, FailureAccrualView.Default, ImmutableArray<int>.Empty);
}

public enum RouteKindView { Http = 0, Grpc = 1 }

public enum MatchKind { Exact = 0, Prefix = 1, Regex = 2 }

[GenerateSerializer, Immutable, Alias("mesh.RouteView")]
public sealed record RouteView(
    /// <summary>"&lt;ns&gt;/&lt;route&gt;/rule-&lt;i&gt;".</summary>
    [property: Id(0)] string Name,
    [property: Id(1)] RouteKindView Kind,
    /// <summary>Service port the parentRef names, or 0 for every port.</summary>
    [property: Id(2)] int Port,
    [property: Id(3)] ImmutableArray<RouteMatchView> Matches,
    [property: Id(4)] ImmutableArray<FilterView> Filters,
    [property: Id(5)] ImmutableArray<BackendView> Backends,
    [property: Id(6)] TimeoutsView? Timeouts,
    [property: Id(7)] RetryView? Retry);

[GenerateSerializer, Immutable, Alias("mesh.StringMatchView")]
public sealed record StringMatchView([property: Id(0)] MatchKind Kind, [property: Id(1)] string Value);

[GenerateSerializer, Immutable, Alias("mesh.HeaderMatchView")]
public sealed record HeaderMatchView([property: Id(0)] string Name, [property: Id(1)] StringMatchView Value);

[GenerateSerializer, Immutable, Alias("mesh.RouteMatchView")]
public sealed record RouteMatchView(
    [property: Id(0)] StringMatchView? Path,
    [property: Id(1)] ImmutableArray<HeaderMatchView> Headers,
    [property: Id(2)] ImmutableArray<HeaderMatchView> QueryParams,
    [property: Id(3)] string? Method,
    [property: Id(4)] string? GrpcService,
    [property: Id(5)] string? GrpcMethod);

[GenerateSerializer, Immutable, Alias("mesh.HeaderModifierView")]
public sealed record HeaderModifierView(
    [property: Id(0)] ImmutableDictionary<string, string> Set,
    [property: Id(1)] ImmutableDictionary<string, string> Add,
    [property: Id(2)] ImmutableArray<string> Remove);

public enum FilterKind { RequestHeaderModifier = 0, ResponseHeaderModifier = 1, RequestRedirect = 2, UrlRewrite = 3 }

/// <summary>One Gateway API filter; only the member for <see cref="Kind"/> is set.</summary>
[GenerateSerializer, Immutable, Alias("mesh.FilterView")]
public sealed record FilterView(
    [property: Id(0)] FilterKind Kind,
    [property: Id(1)] HeaderModifierView? HeaderModifier,
    [property: Id(2)] RedirectView? Redirect,
    [property: Id(3)] UrlRewriteView? Rewrite);

/// <summary>A redirect. Path replaces the whole path (ReplaceFullPath); ReplacePrefixMatch replaces the part the
/// route's PathPrefix matched. At most one of them is set.</summary>
[GenerateSerializer, Immutable, Alias("mesh.RedirectView")]
public sealed record RedirectView(
    [property: Id(0)] string? Scheme, [property: Id(1)] string? Hostname, [property: Id(2)] string? Path,
    [property: Id(3)] int? Port, [property: Id(4)] int StatusCode, [property: Id(5)] string? ReplacePrefixMatch = null);

[GenerateSerializer, Immutable, Alias("mesh.UrlRewriteView")]
public sealed record UrlRewriteView(
    [property: Id(0)] string? Hostname, [property: Id(1)] string? ReplaceFullPath, [property: Id(2)] string? ReplacePrefixMatch);

/// <summary>A concrete backend: another Service (the proxy watches it for endpoints) with a weight.</summary>
[GenerateSerializer, Immutable, Alias("mesh.BackendView")]
public sealed record BackendView(
    [property: Id(0)] string Namespace,
    [property: Id(1)] string Name,
    [property: Id(2)] int Port,
    [property: Id(3)] int Weight,
    [property: Id(4)] ImmutableArray<FilterView> Filters)
{
    public string Authority(string clusterDomain = MeshNames.DefaultClusterDomain) => Names.ServiceAuthority.Format(Name, Namespace, Port, clusterDomain);
}

/// <summary>Retry conditions ("5xx", "500-504", "gateway-error", gRPC codes), extra attempts and per-try timeout.</summary>
[GenerateSerializer, Immutable, Alias("mesh.RetryView")]
public sealed record RetryView(
    [property: Id(0)] ImmutableArray<string> Conditions,
    [property: Id(1)] int Limit,
    [property: Id(2)] TimeSpan? PerTryTimeout);

[GenerateSerializer, Immutable, Alias("mesh.TimeoutsView")]
public sealed record TimeoutsView(
    [property: Id(0)] TimeSpan? Request,
    [property: Id(1)] TimeSpan? BackendRequest,
    [property: Id(2)] TimeSpan? Idle);

/// <summary>Consecutive-failure ejection (Linkerd defaults: 7 failures, backoff 1 s → 60 s, jitter 0.5).</summary>
[GenerateSerializer, Immutable, Alias("mesh.FailureAccrualView")]
public sealed record FailureAccrualView(
    [property: Id(0)] int ConsecutiveFailures,
    [property: Id(1)] TimeSpan MinBackoff,
    [property: Id(2)] TimeSpan MaxBackoff,
    [property: Id(3)] double Jitter)
{
    public static readonly FailureAccrualView Default = new(7, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), 0.5);
}
