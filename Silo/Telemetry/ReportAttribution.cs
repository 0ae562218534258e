using System.Collections.Immutable;
using Grpc.Core;
using Mesh.Abstractions.Model;
using Mesh.Api.V1;
using Mesh.Names;

namespace Mesh.Silo.Telemetry;

/// <summary>Binds a proxy's report to the identity of the certificate it came with: the namespace and identity are
/// the certificate's (a report claiming others is refused, not corrected: a proxy that says it is someone else is
/// broken or hostile, and its numbers are worth nothing), every service it reports inbound traffic for must be in that
/// namespace and, when the silo knows meshed endpoints of it, be served by a workload with that identity; the
/// proxy id is scoped by the identity so no caller can pre-empt or overwrite another identity's intervals.</summary>
internal static class ReportAttribution
{
    /// <summary>A proxy serves a handful of services; a report claiming more is refused before any lookup.</summary>
    public const int MaxClaimedServices = 64;

    /// <summary>The services ("ns/name") a report records inbound stats or "served by me" for: what a caller must own.</summary>
    public static ImmutableArray<string> ClaimedServices(StatsReport report) =>
        StatsReportSplitter.ServedServices(report).Concat(StatsReportSplitter.InboundServices(report))
            .Distinct(StringComparer.Ordinal).ToImmutableArray();

    /// <summary>The report as recorded for <paramref name="caller"/>, or the status that refuses it.
    /// <paramref name="endpoints"/> holds the silo's endpoint set of each of <see cref="ClaimedServices"/>.</summary>
    public static AttributedReport Attribute(StatsReport report, SpiffeId caller, IReadOnlyDictionary<string, EndpointSetView> endpoints)
    {
        string Refuse(string why) => $"stats report from {caller.Uri} refused: {why}";

        if (report.Namespace.Length > 0 && report.Namespace != caller.Namespace)
            return AttributedReport.Refused(Refuse($"it claims namespace '{report.Namespace}'; this certificate may report only for namespace '{caller.Namespace}'"));
        if (report.Identity.Length > 0 && report.Identity != caller.Uri)
            return AttributedReport.Refused(Refuse($"it claims identity {report.Identity}; reports are attributed to the client certificate's identity"));

        var attributed = report.Clone();
        attributed.Namespace = caller.Namespace;
        attributed.Identity = caller.Uri;
        attributed.ProxyId = ScopedProxyId(caller, report.ProxyId);

        var claimed = ClaimedServices(attributed);
        if (claimed.Length > MaxClaimedServices)
            return AttributedReport.Refused(Refuse($"it claims {claimed.Length} services; at most {MaxClaimedServices}"));
        foreach (var service in claimed)
        {
            var (ns, _) = Abstractions.MeshNames.SplitKey(service);
            if (ns != caller.Namespace)
                return AttributedReport.Refused(Refuse($"it reports inbound traffic of service {service} in another namespace"));
            // A service whose endpoints are all unmeshed has no identity to check against (any caller of its
            // namespace may claim it); one with meshed endpoints must have one of this identity.
            if (endpoints.TryGetValue(service, out var set) && set.Endpoints.Any(e => e.Identity is not null)
                && !set.Endpoints.Any(e => e.Identity == caller.Uri))
                return AttributedReport.Refused(Refuse($"service {service} is not served by any workload with this identity " +
                                                       $"(its endpoints: {string.Join(", ", set.Endpoints.Select(e => $"{e.Workload} as {e.Identity ?? "unmeshed"}").Take(5))})"));
        }
        var workload = endpoints.Values.SelectMany(s => s.Endpoints).FirstOrDefault(e => e.Workload == report.Workload);
        if (workload is { Identity: { } declared } && declared != caller.Uri)
            return AttributedReport.Refused(Refuse($"workload {caller.Namespace}/{report.Workload} runs as {declared}"));
        return new AttributedReport(attributed, StatusCode.OK, null);
    }

    /// <summary>"&lt;ns&gt;/&lt;sa&gt;/&lt;proxy id&gt;": proxy ids are chosen by the proxy (host-pid), so they are only unique
    /// within one identity.</summary>
    public static string ScopedProxyId(SpiffeId caller, string proxyId) => $"{caller.Namespace}/{caller.ServiceAccount}/{proxyId}";
}

/// <summary>The outcome of <see cref="ReportAttribution.Attribute"/>: the report to record, or why not.</summary>
internal sealed record AttributedReport(StatsReport? Report, StatusCode Code, string? Error)
{
    public static AttributedReport Refused(string error) => new(null, StatusCode.PermissionDenied, error);
}
