using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.Admin.Contract;

// `GET /api/v1/services/{ns}/{name}`: a Service's resource with the views the control plane derived from it, each with
// its version. The views mirror Mesh.Abstractions.Model (ServiceView, EndpointSetView, ProfileView) field by field;
// durations are TimeSpan ("00:00:01.5000000"), enum values camelCase names.

/// <summary>A Service's stored resource (null when only its view exists), its service, endpoints and profile views,
/// and the GAMMA consumer routes other namespaces attach to it.</summary>
public sealed record ServiceDescription(JsonElement? Resource, VersionedValue<ServiceInfo>? Service, VersionedValue<EndpointSetInfo>? Endpoints,
    VersionedValue<ProfileInfo>? Profile, IReadOnlyList<ConsumerRoutesInfo>? ConsumerRoutes);

/// <summary>A view and the version it was published at (null value: not derived yet).</summary>
public sealed record VersionedValue<T>(long? Version, T? Value) where T : class;

public sealed record ServiceInfo(string? Namespace, string? Name, IReadOnlyList<ServicePortInfo>? Ports, IReadOnlyDictionary<string, string>? Selector,
    IReadOnlyDictionary<string, string>? Labels, IReadOnlyDictionary<string, string>? Annotations);

public sealed record ServicePortInfo(string? Name, int Port, string? TargetPort, string? AppProtocol, bool Opaque);

public sealed record EndpointSetInfo(string? Namespace, string? Service, IReadOnlyList<EndpointInfo>? Endpoints);

/// <summary>One replica: its workload, address, named ports, identity (null: unmeshed) and proxy ports.</summary>
public sealed record EndpointInfo(string? Workload, string? Address, IReadOnlyDictionary<string, int>? Ports, string? Identity,
    int? ProxyInboundPort, int? ProxyAdminPort, string? Zone, int? Weight, bool? Ready, IReadOnlyDictionary<string, string>? Labels);

public sealed record ProfileInfo(string? Namespace, string? Service, IReadOnlyList<RouteInfo>? Routes, RetryInfo? Retry, TimeoutsInfo? Timeouts,
    FailureAccrualInfo? FailureAccrual, IReadOnlyList<int>? OpaquePorts);

/// <summary>A compiled route; <c>Kind</c> is "http" or "grpc"; <c>Port</c> 0 matches every port.</summary>
public sealed record RouteInfo(string? Name, [property: JsonConverter(typeof(EnumNameConverter))] string? Kind, int Port,
    IReadOnlyList<RouteMatchInfo>? Matches, IReadOnlyList<FilterInfo>? Filters, IReadOnlyList<BackendInfo>? Backends, TimeoutsInfo? Timeouts, RetryInfo? Retry);

/// <summary><c>Kind</c> is "exact", "prefix" or "regex".</summary>
public sealed record StringMatchInfo([property: JsonConverter(typeof(EnumNameConverter))] string? Kind, string? Value);

public sealed record HeaderMatchInfo(string? Name, StringMatchInfo? Value);

public sealed record RouteMatchInfo(StringMatchInfo? Path, IReadOnlyList<HeaderMatchInfo>? Headers, IReadOnlyList<HeaderMatchInfo>? QueryParams,
    string? Method, string? GrpcService, string? GrpcMethod);

public sealed record HeaderModifierInfo(IReadOnlyDictionary<string, string>? Set, IReadOnlyDictionary<string, string>? Add, IReadOnlyList<string>? Remove);

/// <summary><c>Kind</c> is "requestHeaderModifier", "responseHeaderModifier", "requestRedirect" or "urlRewrite".</summary>
public sealed record FilterInfo([property: JsonConverter(typeof(EnumNameConverter))] string? Kind, HeaderModifierInfo? HeaderModifier,
    RedirectInfo? Redirect, UrlRewriteInfo? Rewrite);

public sealed record RedirectInfo(string? Scheme, string? Hostname, string? Path, int? Port, int StatusCode, string? ReplacePrefixMatch);

public sealed record UrlRewriteInfo(string? Hostname, string? ReplaceFullPath, string? ReplacePrefixMatch);

public sealed record BackendInfo(string? Namespace, string? Name, int? Port, int? Weight, IReadOnlyList<FilterInfo>? Filters);

public sealed record RetryInfo(IReadOnlyList<string>? Conditions, int? Limit, TimeSpan? PerTryTimeout);

public sealed record TimeoutsInfo(TimeSpan? Request, TimeSpan? BackendRequest, TimeSpan? Idle);

public sealed record FailureAccrualInfo(int? ConsecutiveFailures, TimeSpan? MinBackoff, TimeSpan? MaxBackoff, double? Jitter);

/// <summary>The routes clients in <c>Namespace</c> use for this Service instead of its own (a GAMMA consumer route).</summary>
public sealed record ConsumerRoutesInfo(string? Namespace, long Version, IReadOnlyList<RouteInfo>? Routes);
