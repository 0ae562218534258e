using Grpc.Core;
using Mesh.Api.V1;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Discovery;

namespace Mesh.Proxy.Telemetry;

/// <summary>Sends golden-metric summaries to the control plane every interval (Telemetry.Report), so `mesh stat`
/// works without Prometheus. A report is idempotent per interval start; one that fails twice is dropped.</summary>
internal sealed class TelemetryReporter(ProxySettings settings, StatsAggregator stats, DiscoveryClient discovery, ProxyMetrics metrics, TimeProvider time) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public void Start() => _loop ??= Task.Run(RunAsync);

    private async Task RunAsync()
    {
        var client = new Api.V1.Telemetry.TelemetryClient(discovery.Channel);
        var intervalStart = time.GetUtcNow();
        while (!_stop.IsCancellationRequested)
        {
            try { await Task.Delay(settings.ReportInterval, time, _stop.Token); }
            catch (OperationCanceledException) { return; }
            var now = time.GetUtcNow();
            var report = Build(intervalStart, now);
            intervalStart = now;
            for (var attempt = 0; attempt < 2; attempt++)
            {
                try
                {
                    await client.ReportAsync(report, deadline: now.UtcDateTime.AddSeconds(5), cancellationToken: _stop.Token);
                    break;
                }
                catch (RpcException) { }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    internal StatsReport Build(DateTimeOffset start, DateTimeOffset end)
    {
        var report = new StatsReport
        {
            ProxyId = settings.ProxyId,
            Namespace = settings.Namespace,
            Workload = settings.Workload,
            Identity = settings.Identity,
            IntervalStartUnixMs = start.ToUnixTimeMilliseconds(),
            IntervalMs = (uint)Math.Max(0, (end - start).TotalMilliseconds),
            CertNotAfterUnixMs = metrics.CertificateExpiry?.ToUnixTimeMilliseconds() ?? 0,
            DiscoveryConnected = discovery.Inbound?.Connected ?? discovery.Watches.Any(w => w.Connected),
            Version = typeof(TelemetryReporter).Assembly.GetName().Version?.ToString() ?? "",
            ProxyClockUnixMs = end.ToUnixTimeMilliseconds(),
        };
        report.Services.AddRange(settings.Services);
        var (openedTls, openedPlain) = stats.DrainInboundOpened();
        var open = stats.InboundOpen;
        // TCP_CONN of the services this workload serves: its inbound connections (authority "" = those services), split
        // by whether they came over mesh TLS; the open-now gauge rides on the first entry only (the silo sums entries).
        if (settings.Services.Length > 0 && (openedTls > 0 || open > 0))
            report.Traffic.Add(new TrafficStats { Direction = TelemetryNames.Inbound, Tls = true, TcpOpened = (ulong)openedTls, TcpOpen = (ulong)Math.Max(0, open) });
        if (settings.Services.Length > 0 && openedPlain > 0)
            report.Traffic.Add(new TrafficStats { Direction = TelemetryNames.Inbound, Tls = false, TcpOpened = (ulong)openedPlain });
        foreach (var (key, cell) in stats.Drain())
        {
            var t = new TrafficStats
            {
                Direction = key.Direction,
                // Inbound traffic belongs to the services the workload serves when it was told them (the silo
                // attributes an empty authority to the first); the listener's own label is the workload's name.
                Authority = key.Direction == TelemetryNames.Inbound && settings.Services.Length > 0 ? "" : key.Authority,
                SourceIdentity = key.SrcIdentity,
                DestinationIdentity = key.DstIdentity,
                Route = key.Route,
                Backend = key.Backend,
                Path = key.Path,
                Tls = !key.Plaintext,
                Requests = (ulong)cell.Requests,
                Successes = (ulong)cell.Successes,
                Failures = (ulong)cell.Failures,
            };
            t.LatencyBuckets.AddRange(cell.Buckets.Select(b => (ulong)b));
            t.LatencyBoundsMs.AddRange(TelemetryNames.LatencyBucketsMs);
            report.Traffic.Add(t);
        }
        return report;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null) await _loop;
        _stop.Dispose();
    }
}
