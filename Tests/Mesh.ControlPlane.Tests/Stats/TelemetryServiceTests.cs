using System.Diagnostics.Metrics;
using Grpc.Core;
using Mesh.Silo.Telemetry;
using Mesh.Abstractions.Stats;
using Mesh.Api.V1;
using static Mesh.ControlPlane.Tests.Stats.Reports;

namespace Mesh.ControlPlane.Tests.Stats;

[Collection(StatsHostCollection.Name)]
public sealed class TelemetryServiceTests(StatsHostFixture host)
{
    private readonly string _ns = $"t{Guid.NewGuid():N}"[..12];

    public static TheoryData<string, string> BadReports => new()
    {
        { "missing-proxy-id", "proxy_id is required" },
        { "zero-interval", "interval_ms must be within" },
        { "huge-interval", "interval_ms must be within" },
        { "negative-interval-start", "interval_start_unix_ms must be a positive" },
        { "bucket-count-mismatch", "traffic[0].latency_buckets has 5 counts; expected 26" },
        { "foreign-bounds", "traffic[0].latency_bounds_ms must be the standard bounds" },
        { "bad-direction", "traffic[0].direction must be \"inbound\" or \"outbound\", got \"sideways\"" },
        { "outbound-without-authority", "traffic[0].authority is required for outbound traffic" },
        { "more-outcomes-than-requests", "traffic[0]: successes (10) + failures (1) exceed requests (10)" },
        { "counter-overflow", "traffic[0] has a counter above" },
    };

    private StatsReport Bad(string kind)
    {
        var report = Report(_ns, "books", 1_700_000_000_000, Inbound(_ns, "books", 10, 0, 5));
        var t = report.Traffic[0];
        switch (kind)
        {
            case "missing-proxy-id": report.ProxyId = ""; break;
            case "zero-interval": report.IntervalMs = 0; break;
            case "huge-interval": report.IntervalMs = 3_600_000; break;
            case "negative-interval-start": report.IntervalStartUnixMs = -5; break;
            case "bucket-count-mismatch": t.LatencyBuckets.Clear(); t.LatencyBuckets.AddRange([1, 2, 3, 4, 0]); break;
            case "foreign-bounds": t.LatencyBoundsMs[0] = 0.5; break;
            case "bad-direction": t.Direction = "sideways"; break;
            case "outbound-without-authority": t.Direction = "outbound"; t.Authority = ""; break;
            case "more-outcomes-than-requests": t.Failures = 1; break;
            case "counter-overflow": t.TcpReadBytes = ulong.MaxValue; break;
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
        return report;
    }

    [Theory]
    [MemberData(nameof(BadReports))]
    public async Task Report_BadInput_InvalidArgumentNamingTheFieldAndNothingRecorded(string kind, string expected)
    {
        var client = new Telemetry.TelemetryClient(host.Channel);
        var error = await Assert.ThrowsAsync<RpcException>(async () => await client.ReportAsync(Bad(kind)));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(expected, error.Status.Detail);

        var directory = await host.Grains.GetGrain<IStatsDirectoryGrain>(IStatsDirectoryGrain.Key).GetAsync();
        Assert.DoesNotContain(directory.Proxies, p => p.Namespace == _ns);
        Assert.DoesNotContain($"{_ns}/books", directory.Services);
    }

    [Fact]
    public async Task Report_Rejected_CountedInTelemetryMeter()
    {
        long rejected = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == TelemetryMetrics.MeterName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag is { Key: "result", Value: "rejected" }) Interlocked.Add(ref rejected, value);
        });
        listener.Start();

        await Assert.ThrowsAsync<RpcException>(async () => await new Telemetry.TelemetryClient(host.Channel).ReportAsync(Bad("bad-direction")));
        Assert.True(Interlocked.Read(ref rejected) >= 1);
    }

    [Fact]
    public async Task Report_SeveralProblems_AllNamedInOneStatus()
    {
        var report = Bad("missing-proxy-id");
        report.Traffic[0].Direction = "up";
        var error = await Assert.ThrowsAsync<RpcException>(async () => await new Telemetry.TelemetryClient(host.Channel).ReportAsync(report));
        Assert.Contains("proxy_id is required", error.Status.Detail);
        Assert.Contains("traffic[0].direction", error.Status.Detail);
    }

    [Fact]
    public async Task Report_NoBucketsNoBounds_Accepted()
    {
        var report = Report(_ns, "tcp-only", 1_700_000_000_000, Inbound(_ns, "tcp-only", 0, 0, 1));
        report.Traffic[0].LatencyBuckets.Clear();
        report.Traffic[0].LatencyBoundsMs.Clear();
        Assert.False((await new Telemetry.TelemetryClient(host.Channel).ReportAsync(report)).Duplicate);
        var m = (await host.Grains.GetGrain<IStatsGrain>(StatsKeys.Service(_ns, "tcp-only")).GetAsync(StatsWindow.OneMinute)).Metrics;
        Assert.Equal((1L, 1L, 100.0), (m.TcpOpened, m.TcpOpen, m.MtlsPercent!.Value));
    }
}
