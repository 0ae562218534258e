using System.Collections.Immutable;
using Grpc.Core;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.Abstractions.Stats;
using Mesh.Api.V1;
using Mesh.Names;
using Mesh.Identity.Kestrel;

namespace Mesh.Silo.Telemetry;

/// <summary>mesh.v1.Telemetry: receives proxies' golden-metric reports, authenticates them by the caller's client
/// certificate (<see cref="ReportAttribution"/>), validates them, and records each slice in its stats grain.
/// Idempotent per (proxy_id, interval_start_unix_ms): every grain dedups, so a retry after a partial failure records
/// only what was missing. Status codes: no client certificate → Unauthenticated; a report claiming another identity,
/// namespace or someone else's service → PermissionDenied; a malformed report → InvalidArgument.</summary>
internal sealed class TelemetryService(IGrainFactory grains, TimeProvider time, TelemetryMetrics metrics, TelemetryOptions options,
    ILogger<TelemetryService> logger) : Mesh.Api.V1.Telemetry.TelemetryBase
{
    public override async Task<ReportAck> Report(StatsReport request, ServerCallContext context)
    {
        var peer = context.GetHttpContext().Features.Get<IMeshTlsFeature>()?.PeerIdentity;
        if (peer is null && options.RequireClientCertificate)
            throw Reject(request, StatusCode.Unauthenticated,
                $"stats report from proxy '{request.ProxyId}' refused: no client certificate; reports must come over mesh mTLS " +
                "with the proxy's workload certificate (is its Certify done and MESH_PROXY_TRUST_ANCHORS set?)");
        if (peer is not null)
        {
            if (!SpiffeId.TryParse(peer, out var caller))
                throw Reject(request, StatusCode.PermissionDenied, $"stats report refused: client certificate identity '{peer}' is not a workload identity");
            var attributed = ReportAttribution.Attribute(request, caller, await EndpointsAsync(request, caller));
            if (attributed.Report is null) throw Reject(request, attributed.Code, attributed.Error!);
            request = attributed.Report;
        }

        var errors = StatsReportValidator.Validate(request);
        if (errors.Count > 0)
            throw Reject(request, StatusCode.InvalidArgument,
                $"invalid stats report from proxy '{request.ProxyId}': {string.Join("; ", errors.Take(10))}");

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var slices = StatsReportSplitter.Split(request);
        var status = new ProxyStatus(
            request.ProxyId, request.Namespace, request.Workload, request.Identity, request.Version,
            StatsReportSplitter.ServedServices(request), now, request.IntervalStartUnixMs, (int)request.IntervalMs,
            request.CertNotAfterUnixMs, request.DiscoveryConnected,
            request.ProxyClockUnixMs > 0 ? request.ProxyClockUnixMs - now : 0,
            [.. request.Served.Select(v => new ServedVersionStatus(v.Authority, v.CanonicalAuthority, v.Exists, v.EndpointsVersion, v.ProfileVersion, v.Connected))],
            request.InboundPolicyVersion);

        var first = await grains.GetGrain<IStatsDirectoryGrain>(IStatsDirectoryGrain.Key)
            .ReportedAsync(status, slices.Keys.ToImmutableArray());
        // Recorded even when the directory saw this interval: an earlier attempt may have failed half-way.
        await Task.WhenAll(slices.Select(s => grains.GetGrain<IStatsGrain>(s.Key).RecordAsync(s.Value)));
        if (first) metrics.Recorded(); else metrics.Duplicate();
        return new ReportAck { Duplicate = !first };
    }

    /// <summary>The silo's endpoint sets of the services the report claims (as attributed to the caller's namespace).</summary>
    private async Task<IReadOnlyDictionary<string, EndpointSetView>> EndpointsAsync(StatsReport report, SpiffeId caller)
    {
        if (report.Namespace.Length == 0) report = WithNamespace(report, caller.Namespace);
        var services = ReportAttribution.ClaimedServices(report);
        if (services.Length > ReportAttribution.MaxClaimedServices) return new Dictionary<string, EndpointSetView>();
        var sets = await Task.WhenAll(services.Select(s => grains.GetGrain<IEndpointSetGrain>(s).GetAsync()));
        return services.Zip(sets).ToDictionary(p => p.First, p => p.Second.Value, StringComparer.Ordinal);
    }

    private static StatsReport WithNamespace(StatsReport report, string ns)
    {
        var copy = report.Clone();
        copy.Namespace = ns;
        return copy;
    }

    private RpcException Reject(StatsReport request, StatusCode code, string message)
    {
        TelemetryLog.ReportRejected(logger, request.ProxyId, message);
        metrics.Rejected();
        return new RpcException(new Status(code, message));
    }
}

internal static partial class TelemetryLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Rejected stats report from {ProxyId}: {Reason}")]
    public static partial void ReportRejected(ILogger logger, string proxyId, string reason);
}
