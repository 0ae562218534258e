using System.Collections.Immutable;

namespace Mesh.Abstractions.Stats;

/// <summary>What the last report of one proxy said about the proxy itself, for `mesh check` and `GET /api/v1/proxies`.</summary>
[GenerateSerializer, Immutable, Alias("mesh.ProxyStatus")]
public sealed record ProxyStatus(
    [property: Id(0)] string ProxyId,
    [property: Id(1)] string Namespace,
    [property: Id(2)] string Workload,
    [property: Id(3)] string Identity,
    [property: Id(4)] string Version,
    /// <summary>Services the proxy's workload serves, as "ns/name".</summary>
    [property: Id(5)] ImmutableArray<string> Services,
    /// <summary>Silo time when the report arrived.</summary>
    [property: Id(6)] long LastReportUnixMs,
    [property: Id(7)] long IntervalStartUnixMs,
    [property: Id(8)] int IntervalMs,
    /// <summary>The proxy's leaf certificate expiry (0 when it has none yet).</summary>
    [property: Id(9)] long CertNotAfterUnixMs,
    [property: Id(10)] bool DiscoveryConnected,
    /// <summary>Proxy clock minus silo clock at receipt (network delay included; positive = proxy ahead).</summary>
    [property: Id(11)] long ClockSkewMs,
    /// <summary>The view versions each discovery watch reflected (default when an older proxy reported none).</summary>
    [property: Id(12)] ImmutableArray<ServedVersionStatus> Served = default,
    /// <summary>The inbound policy view version in force (0: none yet, or an older proxy).</summary>
    [property: Id(13)] long InboundPolicyVersion = 0);

/// <summary>Everything stats grains know exists: services and edges seen in reports, and every reporting proxy.</summary>
[GenerateSerializer, Immutable, Alias("mesh.StatsDirectory")]
public sealed record StatsDirectory(
    /// <summary>"ns/name", sorted.</summary>
    [property: Id(0)] ImmutableArray<string> Services,
    /// <summary>Edge grain keys (<see cref="StatsKeys.Edge"/>), sorted.</summary>
    [property: Id(1)] ImmutableArray<string> Edges,
    [property: Id(2)] ImmutableArray<ProxyStatus> Proxies);
