namespace Mesh.Admin.Contract;

// JSON shapes of the admin stats API (camelCase on the wire). Rates: successRate 0..1, mtlsPercent 0..100; latencies
// in ms; null where there was nothing to measure (no requests in the window).

/// <summary>A row of `GET /api/v1/stats/services`.</summary>
public sealed record ServiceStatsRow(
    string Namespace, string Name, bool Meshed, double? SuccessRate, double Rps,
    double? LatencyP50Ms, double? LatencyP95Ms, double? LatencyP99Ms,
    long TcpConnections, double? MtlsPercent, long Requests);

/// <summary>A row of `GET /api/v1/stats/edges`.</summary>
public sealed record EdgeStatsRow(
    string Src, string SrcIdentity, string Dst, string DstIdentity, bool Mtls, double? MtlsPercent,
    double Rps, double? SuccessRate, long Requests, double? LatencyP50Ms, double? LatencyP99Ms);

/// <summary>Golden metrics of a route, backend or path.</summary>
public sealed record NamedStatsRow(
    string Name, long Requests, double Rps, double? SuccessRate,
    double? LatencyP50Ms, double? LatencyP95Ms, double? LatencyP99Ms);

/// <summary>`GET /api/v1/stats/routes/{namespace}/{service}`.</summary>
public sealed record RouteStatsResponse(
    string Namespace, string Name, string Window, IReadOnlyList<NamedStatsRow> Routes, IReadOnlyList<NamedStatsRow> Backends);

/// <summary>A row of `GET /api/v1/stats/top`.</summary>
public sealed record TopPathRow(
    string Namespace, string Service, string Path, long Requests, double Rps, double? SuccessRate,
    double? LatencyP50Ms, double? LatencyP99Ms);

/// <summary>A point of the service page's latency chart.</summary>
public sealed record SeriesPointRow(long T, double Rps, double? SuccessRate, double? LatencyP50Ms, double? LatencyP95Ms, double? LatencyP99Ms);

/// <summary>`GET /api/v1/stats/services/{namespace}/{name}`: one service in detail.</summary>
public sealed record ServiceStatsDetail(
    ServiceStatsRow Service, string Window, IReadOnlyList<NamedStatsRow> Routes, IReadOnlyList<NamedStatsRow> Backends,
    IReadOnlyList<NamedStatsRow> Paths, IReadOnlyList<EdgeStatsRow> Inbound, IReadOnlyList<EdgeStatsRow> Outbound,
    IReadOnlyList<SeriesPointRow> Series);

/// <summary>A row of `GET /api/v1/proxies`. <c>Problems</c> is empty when the proxy is healthy; each entry says what
/// is wrong and how to fix it (`mesh check` prints them).</summary>
public sealed record ProxyStatusRow(
    string ProxyId, string Namespace, string Workload, string Identity, string Version, IReadOnlyList<string> Services,
    long LastReportUnixMs, long LastReportAgeMs, int IntervalMs, long CertNotAfterUnixMs, long? CertRemainingSeconds,
    bool DiscoveryConnected, long ClockSkewMs, IReadOnlyList<string> Problems,
    IReadOnlyList<ServedVersionRow> Served, long InboundPolicyVersion);

/// <summary>What a proxy serves for one authority it watches: the versions of the silo's views it applied.
/// <c>CanonicalAuthority</c> is "name.ns.svc.cluster.local:port" (empty when discovery said it is not a mesh service).</summary>
public sealed record ServedVersionRow(string Authority, string CanonicalAuthority, bool Exists, long EndpointsVersion, long ProfileVersion, bool Connected);
