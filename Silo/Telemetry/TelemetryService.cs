using System.Collections.Immutable;
using Grpc.Core;
using Mesh.Abstractions.Stats;
using Mesh.Api.V1;

namespace Mesh.Silo.Telemetry;

/// <summary>mesh.v1.Telemetry: receives proxies' golden-metric reports, validates them, and records each slice in its
/// stats grain. Idempotent per (proxy_id, interval_start_unix_ms): every grain dedups, so a retry after a partial
/// failure records only what was missing.</summary>
internal sealed class TelemetryService(IGrainFactory grains, TimeProvider time, TelemetryMetrics metrics, ILogger<TelemetryService> logger)
    : Mesh.Api.V1.Telemetry.TelemetryBase
{
    public override async Task<ReportAck> Report(StatsReport request, ServerCallContext context)
    {
        var errors = StatsReportValidator.Validate(request);
        if (errors.Count > 0)
        {
            var message = $"invalid stats report from proxy '{request.ProxyId}': {string.Join("; ", errors.Take(10))}";
            TelemetryLog.ReportRejected(logger, request.ProxyId, message);
            metrics.Rejected();
            throw new RpcException(new Status(StatusCode.InvalidArgument, message));
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var slices = StatsReportSplitter.Split(request);
        var status = new ProxyStatus(
            request.ProxyId, request.Namespace, request.Workload, request.Identity, request.Version,
            StatsReportSplitter.ServedServices(request), now, request.IntervalStartUnixMs, (int)request.IntervalMs,
            request.CertNotAfterUnixMs, request.DiscoveryConnected,
            request.ProxyClockUnixMs > 0 ? request.ProxyClockUnixMs - now : 0);

        var first = await grains.GetGrain<IStatsDirectoryGrain>(IStatsDirectoryGrain.Key)
            .ReportedAsync(status, slices.Keys.ToImmutableArray());
        // Recorded even when the directory saw this interval: an earlier attempt may have failed half-way.
        await Task.WhenAll(slices.Select(s => grains.GetGrain<IStatsGrain>(s.Key).RecordAsync(s.Value)));
        if (first) metrics.Recorded(); else metrics.Duplicate();
        return new ReportAck { Duplicate = !first };
    }
}

internal static partial class TelemetryLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Rejected stats report from {ProxyId}: {Reason}")]
    public static partial void ReportRejected(ILogger logger, string proxyId, string reason);
}
