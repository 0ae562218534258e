using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Api.V1;
using Mesh.Names;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Telemetry;
using Mesh.Proxy.Transport;
using Mesh.Identity.Client;
using Mesh.Identity.Credentials;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.ControlPlane;

/// <summary>Sends golden-metric summaries to the control plane every interval (Telemetry.Report), so `mesh stat`
/// works without Prometheus. The silo attributes a report to the client certificate it came with, so with mesh TLS
/// reports go over their own mTLS channel that presents the proxy's current certificate (rebuilt when Certify renews
/// it; nothing is sent before the first one: the interval just grows). Without mesh TLS (development) they share the
/// discovery channel. A report is idempotent per interval start; one that fails twice is dropped. On stop (after
/// in-flight requests drained) a last report carries what was counted since the previous one: a short-lived client
/// under `mesh run` exits before its first interval, and its calls would otherwise never reach `mesh edges`.</summary>
/// <param name="watches">The watches' reports in precedence order: the first that has a say tells whether discovery is
/// connected (the inbound policy watch, then the service watches).</param>
internal sealed partial class TelemetryReporter(ProxySettings settings, StatsAggregator stats, ControlPlaneChannel controlPlane,
    IReadOnlyList<IWatchReport> watches, ProxyMetrics metrics, MeshTlsSetup? tls, TimeProvider time, ILogger<TelemetryReporter> log) : IAsyncDisposable
{
    /// <summary>Without a certificate for this long, the accumulated interval is dropped (the silo takes at most 10 min).</summary>
    private static readonly TimeSpan MaxWaitForCertificate = TimeSpan.FromMinutes(5);
    /// <summary>How long stopping may wait for the last report.</summary>
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(2);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private Task? _loop;
    private Task? _stopped;
    private GrpcChannel? _channel;
    private MeshCredentials? _channelCredentials;
    private DateTimeOffset _intervalStart;
    private StatsReport? _unsent;

    public void Start() => _loop ??= Task.Run(RunAsync);

    /// <summary>Starts reporting and sends the last report once the host has stopped.</summary>
    public void Start(IHostApplicationLifetime lifetime)
    {
        Start();
        lifetime.ApplicationStopped.Register(() => StopAsync().Wait(FlushTimeout + TimeSpan.FromSeconds(1)));
    }

    private async Task RunAsync()
    {
        _intervalStart = time.GetUtcNow();
        while (!_stop.IsCancellationRequested)
        {
            try { await Task.Delay(settings.ReportInterval, time, _stop.Token); }
            catch (OperationCanceledException) { return; }
            var now = time.GetUtcNow();
            var client = Client();
            if (client is null)
            {
                if (now - _intervalStart >= MaxWaitForCertificate)
                {
                    Build(_intervalStart, now);
                    _intervalStart = now;
                }
                continue;
            }
            var report = Build(_intervalStart, now);
            _intervalStart = now;
            for (var attempt = 0; attempt < 2; attempt++)
            {
                try
                {
                    await client.ReportAsync(report, deadline: now.UtcDateTime.AddSeconds(5), cancellationToken: _stop.Token);
                    break;
                }
                catch (RpcException e) { LogReportFailed(log, e.StatusCode, e.Status.Detail); }
                catch (OperationCanceledException) { _unsent = report; return; }
            }
        }
    }

    /// <summary>Ends the loop, then sends the report it was sending when stopped and the counts since; once.</summary>
    private Task StopAsync()
    {
        lock (_gate) return _stopped ??= StopOnceAsync();
    }

    private async Task StopOnceAsync()
    {
        await _stop.CancelAsync();
        if (_loop is null) return;
        await _loop;
        var client = Client();
        if (client is null) return;
        var last = Build(_intervalStart, time.GetUtcNow());
        var deadline = DateTime.UtcNow + FlushTimeout;
        foreach (var report in new[] { _unsent, last })
        {
            if (report is null || (report.Traffic.Count == 0 && report != _unsent)) continue;
            try { await client.ReportAsync(report, deadline: deadline); }
            catch (RpcException e) { LogReportFailed(log, e.StatusCode, e.Status.Detail); } // the silo may be gone too
        }
    }

    /// <summary>The client to report with: over a channel presenting the current certificate (a new one after each
    /// renewal, so the new connection carries it), the discovery channel without mesh TLS, or null while there is no
    /// certificate yet.</summary>
    private Api.V1.Telemetry.TelemetryClient? Client()
    {
        if (tls is null) return new Api.V1.Telemetry.TelemetryClient(controlPlane.Channel);
        var current = tls.Credentials.Current;
        if (current is null) return null;
        if (_channel is null || !ReferenceEquals(current, _channelCredentials))
        {
            _channel?.Dispose();
            var (address, handler) = ControlPlaneConnection.Create(settings.ControlAddress, tls.Trust, settings.TrustDomain, new MeshCredentialsHolder(current));
            handler.ConnectTimeout = TimeSpan.FromSeconds(3);
            _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler });
            _channelCredentials = current;
        }
        return new Api.V1.Telemetry.TelemetryClient(_channel);
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
            DiscoveryConnected = watches.Select(w => w.Connected).FirstOrDefault(c => c is not null) ?? false,
            Version = typeof(TelemetryReporter).Assembly.GetName().Version?.ToString() ?? "",
            ProxyClockUnixMs = end.ToUnixTimeMilliseconds(),
        };
        report.Services.AddRange(settings.Services);
        foreach (var w in watches) w.AddTo(report);
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
            t.LatencyBoundsMs.AddRange(LatencyBuckets.BoundsMs);
            report.Traffic.Add(t);
        }
        return report;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _channel?.Dispose();
        _stop.Dispose();
    }

    [LoggerMessage(EventId = 601, Level = LogLevel.Warning, Message = "stats report failed: {Code}: {Detail}")]
    private static partial void LogReportFailed(ILogger logger, StatusCode code, string detail);
}
