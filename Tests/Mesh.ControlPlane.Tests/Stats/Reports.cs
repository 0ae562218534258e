using Mesh.Abstractions.Stats;
using Mesh.Api.V1;
using Mesh.Names;

namespace Mesh.ControlPlane.Tests.Stats;

/// <summary>Builds StatsReports as a proxy would send them.</summary>
internal static class Reports
{
    public static string Spiffe(string ns, string sa) => $"spiffe://cluster.local/ns/{ns}/sa/{sa}";

    public static StatsReport Report(string ns, string workload, long intervalStart, params TrafficStats[] traffic)
    {
        var report = new StatsReport
        {
            ProxyId = $"{workload}-proxy",
            Namespace = ns,
            Workload = workload,
            Identity = Spiffe(ns, workload),
            IntervalStartUnixMs = intervalStart,
            IntervalMs = 1000,
            CertNotAfterUnixMs = DateTimeOffset.UtcNow.AddHours(24).ToUnixTimeMilliseconds(),
            DiscoveryConnected = true,
            Version = "0.1.0",
            ProxyClockUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        };
        report.Services.Add($"{ns}/{workload}");
        report.Traffic.AddRange(traffic);
        return report;
    }

    public static TrafficStats Inbound(string ns, string service, ulong requests, ulong failures, double latencyMs,
        string sourceIdentity = "", bool tls = true, string path = "") =>
        Traffic("inbound", $"{service}.{ns}.svc.cluster.local:8080", requests, failures, latencyMs, tls, sourceIdentity, "", path);

    public static TrafficStats Outbound(string ns, string service, ulong requests, ulong failures, double latencyMs,
        bool tls = true, string route = "", string backend = "", string path = "") =>
        Traffic("outbound", $"{service}.{ns}.svc.cluster.local:8080", requests, failures, latencyMs, tls, "",
            tls ? Spiffe(ns, service) : "", path, route, backend);

    private static TrafficStats Traffic(string direction, string authority, ulong requests, ulong failures, double latencyMs,
        bool tls, string sourceIdentity, string destinationIdentity, string path, string route = "", string backend = "")
    {
        var t = new TrafficStats
        {
            Direction = direction, Authority = authority, SourceIdentity = sourceIdentity, DestinationIdentity = destinationIdentity,
            Tls = tls, Requests = requests, Successes = requests - failures, Failures = failures, Path = path, Route = route,
            Backend = backend, TcpOpened = 1, TcpOpen = 1,
        };
        var counts = new ulong[LatencyBuckets.Count];
        counts[LatencyBuckets.IndexOf(latencyMs)] = requests;
        t.LatencyBuckets.AddRange(counts);
        t.LatencyBoundsMs.AddRange(LatencyBuckets.BoundsMs);
        return t;
    }
}
