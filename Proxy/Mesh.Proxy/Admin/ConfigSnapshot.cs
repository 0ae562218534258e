using System.Text.Json.Serialization;

namespace Mesh.Proxy.Admin;

/// <summary>The routing state shown by the admin /config endpoint.</summary>
internal sealed record ConfigSnapshot(
    string ProxyId, string Namespace, string Workload, string Identity, string Connector, bool Ready, string? NotReadyReason,
    IReadOnlyList<ServiceSnapshotView> Services, InboundView? Inbound);

internal sealed record ServiceSnapshotView(
    string Authority, bool Exists, bool Connected, ulong Version, string Reason,
    IReadOnlyList<EndpointView> Endpoints, IReadOnlyList<RouteView> Routes);

internal sealed record EndpointView(string Key, string Address, uint Port, string Identity, uint ProxyPort, bool Ready, string Health, double LatencyMs);

internal sealed record RouteView(string Name, IReadOnlyList<BackendView> Backends, int RetryLimit, double? RequestTimeoutMs, double? BackendTimeoutMs);

internal sealed record BackendView(string Authority, uint Weight);

internal sealed record InboundView(bool Exists, string DefaultPolicy, IReadOnlyList<ServerView> Servers, IReadOnlyDictionary<string, uint> Ports);

internal sealed record ServerView(string Name, int Port, IReadOnlyList<string> Authorizations, string? RateLimit);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ConfigSnapshot))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
