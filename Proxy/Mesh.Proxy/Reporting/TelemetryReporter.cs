using Grpc.Core;
using Mesh.Api.V1;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Reporting;

/// <summary>What the reporter says about the proxy besides traffic (for `mesh check` and the dashboard).</summary>
internal interface IProxyStatus
{
    DateTimeOffset? CertificateNotAfter { get; }
    bool DiscoveryConnected { get; }
}

/// <summary>Sends the golden-metric summary of each interval to the silo (Telemetry.Report), so `mesh stat` and the
/// dashboard work without Prometheus. A failed report is retried once with the same interval key (the silo
/// de-duplicates by (proxy, interval)), then dropped: stats are soft state.</summary>
internal sealed partial class TelemetryReporter(
    Api.V1.Telemetry.TelemetryClient client,
    TrafficAccumulator traffic,
    IProxyStatus status,
    ReporterIdentity self,
    TimeProvider time,
    ILogger<TelemetryReporter> log) : IAsyncDisposable
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(2);
    private readonly CancellationTokenSource stop = new();
    private Task? loop;

    public void Start(TimeSpan interval) => loop ??= Task.Run(() => RunAsync(interval, stop.Token));

    private async Task RunAsync(TimeSpan interval, CancellationToken ct)
    {
        var start = time.GetUtcNow();
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
                start = await ReportAsync(start, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Reports the interval that began at <paramref name="start"/>; returns the next interval's start.</summary>
    internal async Task<DateTimeOffset> ReportAsync(DateTimeOffset start, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var report = Build(start, now, traffic.Drain());
        for (var attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                await client.ReportAsync(report, deadline: now.UtcDateTime.AddSeconds(5), cancellationToken: ct);
                return now;
            }
            catch (RpcException e) when (e.StatusCode is not StatusCode.InvalidArgument)
            {
                if (attempt == 1) LogReportFailed(log, e.Status.Detail);
            }
            catch (RpcException e)
            {
                LogReportRejected(log, e.Status.Detail);
                break;
            }
        }
        return now;
    }

    internal StatsReport Build(DateTimeOffset start, DateTimeOffset end, IReadOnlyList<KeyValuePair<TrafficKey, TrafficCell>> cells)
    {
        var report = new StatsReport
        {
            ProxyId = self.ProxyId,
            Namespace = self.Namespace,
            Workload = self.Workload,
            Identity = self.Identity,
            IntervalStartUnixMs = start.ToUnixTimeMilliseconds(),
            IntervalMs = (uint)Math.Max(1, (end - start).TotalMilliseconds),
            CertNotAfterUnixMs = status.CertificateNotAfter?.ToUnixTimeMilliseconds() ?? 0,
            DiscoveryConnected = status.DiscoveryConnected,
            Version = self.Version,
            ProxyClockUnixMs = end.ToUnixTimeMilliseconds(),
        };
        report.Services.AddRange(self.Services);
        foreach (var (key, cell) in cells)
        {
            var inbound = key.Direction == "inbound";
            var stats = new TrafficStats
            {
                Direction = key.Direction,
                Authority = key.Authority,
                SourceIdentity = inbound ? key.PeerIdentity : self.Identity,
                DestinationIdentity = inbound ? self.Identity : key.PeerIdentity,
                Route = key.Route,
                Backend = key.Backend,
                Tls = key.Tls,
                Path = key.Path,
                Requests = (ulong)cell.Requests,
                Successes = (ulong)cell.Successes,
                Failures = (ulong)cell.Failures,
                TcpOpened = (ulong)cell.TcpOpened,
                TcpReadBytes = (ulong)cell.TcpRead,
                TcpWriteBytes = (ulong)cell.TcpWritten,
            };
            if (cell.Requests > 0)
            {
                foreach (var c in cell.Latency) stats.LatencyBuckets.Add((ulong)c);
                stats.LatencyBoundsMs.AddRange(TrafficAccumulator.LatencyBoundsMs);
            }
            report.Traffic.Add(stats);
        }
        return report;
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (loop is not null) await loop;
        stop.Dispose();
    }

    [LoggerMessage(EventId = 401, Level = LogLevel.Debug, Message = "stats report failed: {Detail}")]
    private static partial void LogReportFailed(ILogger logger, string detail);

    [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "the silo rejected a stats report: {Detail}")]
    private static partial void LogReportRejected(ILogger logger, string detail);
}

/// <summary>Who reports: this proxy and the workload it fronts.</summary>
internal sealed record ReporterIdentity(string ProxyId, string Namespace, string Workload, string Identity, string Version,
    IReadOnlyList<string> Services);
