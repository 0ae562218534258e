using System.Collections.Immutable;
using Mesh.Abstractions.Stats;
using Mesh.Api.V1;
using Mesh.Names;

namespace Mesh.Silo.Telemetry;

/// <summary>Splits one validated proxy report into the slices each stats grain records: per service (inbound traffic →
/// the service the workload serves; outbound traffic → the destination authority's service) and per edge (caller
/// identity → destination). Edges come from the caller's outbound side; the inbound side adds an edge only for callers
/// without a proxy (plaintext, no identity), which have no outbound side to report them — so no edge counts twice.</summary>
internal static class StatsReportSplitter
{
    public static ImmutableDictionary<string, StatsSlice> Split(StatsReport report)
    {
        var reporter = new WorkloadRef(report.Namespace, report.Workload, report.Identity);
        var served = ServedServices(report);
        var samples = new Dictionary<string, (EdgeEnds? Edge, ImmutableArray<StatsSample>.Builder Samples)>(StringComparer.Ordinal);

        void Add(string key, EdgeEnds? edge, StatsSample sample)
        {
            if (!samples.TryGetValue(key, out var entry)) samples[key] = entry = (edge, ImmutableArray.CreateBuilder<StatsSample>());
            else if (entry.Edge is { DestinationIdentity.Length: 0 } && edge is { DestinationIdentity.Length: > 0 }) samples[key] = (edge, entry.Samples);
            entry.Samples.Add(sample);
        }

        foreach (var t in report.Traffic)
        {
            var sample = ToSample(t);
            if (sample.Direction == TrafficDirection.Inbound)
            {
                var service = InboundService(report, t, served);
                // No service to count it against (no parseable authority, no served service, no workload name).
                if (service is null) continue;
                var (sns, sname) = Abstractions.MeshNames.SplitKey(service);
                Add(StatsKeys.Service(sns, sname), null, sample);
                // A connection count alone (the workload's TCP_CONN) says nothing about who called: no edge.
                var carriesTraffic = t.Requests > 0 || t.TcpReadBytes > 0 || t.TcpWriteBytes > 0;
                if (carriesTraffic && (!t.Tls || t.SourceIdentity.Length == 0))
                    Add(StatsKeys.Edge(t.SourceIdentity, service),
                        new EdgeEnds("", t.SourceIdentity, service, t.Authority.Length > 0 ? t.Authority : service, report.Identity),
                        sample);
            }
            else
            {
                var isService = ServiceName.TryParse(t.Authority, null, out var ns, out var name);
                var destination = isService ? $"{ns}/{name}" : t.Authority;
                if (isService) Add(StatsKeys.Service(ns, name), null, sample);
                var caller = report.Identity.Length > 0 ? report.Identity : $"{report.Namespace}/{report.Workload}";
                // Named by the service the caller serves: replicas and versions (books-v1, books-v2) share one identity.
                var source = served.FirstOrDefault() ?? $"{report.Namespace}/{report.Workload}";
                Add(StatsKeys.Edge(caller, destination),
                    new EdgeEnds(source, report.Identity, destination, t.Authority, t.DestinationIdentity),
                    sample);
            }
        }

        return samples.ToImmutableDictionary(
            e => e.Key,
            e => new StatsSlice(report.ProxyId, report.IntervalStartUnixMs, (int)report.IntervalMs, reporter, e.Value.Edge,
                e.Value.Samples.ToImmutable()),
            StringComparer.Ordinal);
    }

    /// <summary>The services ("ns/name") the report's inbound traffic is recorded under (as <see cref="Split"/> picks them).</summary>
    public static ImmutableArray<string> InboundServices(StatsReport report)
    {
        var served = ServedServices(report);
        return report.Traffic.Where(t => t.Direction == "inbound")
            .Select(t => InboundService(report, t, served)).OfType<string>().Distinct(StringComparer.Ordinal).ToImmutableArray();
    }

    private static string? InboundService(StatsReport report, TrafficStats t, ImmutableArray<string> served) =>
        ServiceName.TryParse(t.Authority, report.Namespace, out var ns, out var name) ? $"{ns}/{name}"
            : served.FirstOrDefault() ?? (report.Workload.Length > 0 ? $"{report.Namespace}/{report.Workload}" : null);

    /// <summary>The report's served services as "ns/name" (unparseable names are dropped).</summary>
    public static ImmutableArray<string> ServedServices(StatsReport report) =>
        report.Services
            .Select(s => ServiceName.TryParse(s, report.Namespace, out var ns, out var name) ? $"{ns}/{name}" : null)
            .OfType<string>().Distinct(StringComparer.Ordinal).ToImmutableArray();

    private static StatsSample ToSample(TrafficStats t)
    {
        var requests = (long)t.Requests;
        var counters = new GoldenCounters(
            requests, (long)t.Successes, (long)t.Failures,
            (long)t.TcpOpened, (long)t.TcpOpen, (long)t.TcpReadBytes, (long)t.TcpWriteBytes,
            TlsRequests: t.Tls ? requests : 0,
            PlainRequests: t.Tls ? 0 : requests,
            TlsConnections: t.Tls ? (long)t.TcpOpened : 0);
        var latency = t.LatencyBuckets.Count == 0
            ? LatencyHistogram.Empty
            : LatencyHistogram.FromCounts(t.LatencyBuckets.Select(c => (long)c).ToArray());
        return new StatsSample(
            t.Direction == "inbound" ? TrafficDirection.Inbound : TrafficDirection.Outbound,
            t.Route, t.Backend, t.Path, t.Tls, counters, latency);
    }
}
