using CsCheck;
using Google.Protobuf;
using Mesh.Abstractions.Stats;
using Mesh.Api.V1;
using Mesh.Fuzz.Tests.Fuzzing;
using Mesh.Names;
using Mesh.Silo.Telemetry;
using Xunit.Abstractions;

namespace Mesh.Fuzz.Tests.Silo.Telemetry;

/// <summary>Proxy stats reports: the wire bytes mutated (what gRPC hands the service after decoding) and reports built
/// field by field from edge values. The validator returns problems, never throws; a report it accepts splits into slices
/// without throwing, as the service does next.</summary>
public sealed class StatsReportFuzzTests(ITestOutputHelper output)
{
    private static readonly Gen<string> Authorities = Gen.OneOf(
        Gen.OneOf("", "books.default.svc.cluster.local:8080", "books:80", "books.default:65535", "books.default:0", "books.default:99999",
            ":", ":80", "a.b.c.d.e:1", "BOOKS.Default.svc.cluster.local:8080", "books..svc:80", "books.default.svc.other:80", "*", "/",
            "books.default:-1", "books.default: 80", "x:2147483648", "\u0000", "é.default:80", "books/default"),
        Gen.String[0, 40]);

    private static readonly Gen<ulong> Counters = Gen.OneOf(Gen.ULong[0, 1000], Gen.OneOf(0UL, 1UL, (ulong)long.MaxValue, (ulong)long.MaxValue + 1, ulong.MaxValue), Gen.ULong);

    private static readonly Gen<TrafficStats> Traffic =
        Gen.Select(Gen.OneOf("inbound", "outbound", "", "Inbound", "sideways"), Authorities, Authorities, Gen.Bool,
            Gen.Select(Counters, Counters, Counters, Counters),
            Gen.OneOf(Gen.Const(Array.Empty<ulong>()), Counters.Array[LatencyBuckets.Count], Counters.Array[0, 30]),
            Gen.OneOf(Gen.Const(Array.Empty<double>()), Gen.Const(LatencyBuckets.BoundsMs.Select(b => (double)b).ToArray()), Gen.Double.Array[0, 30]),
            (direction, authority, identity, tls, counts, buckets, bounds) =>
            {
                var t = new TrafficStats
                {
                    Direction = direction,
                    Authority = authority,
                    SourceIdentity = identity,
                    DestinationIdentity = identity,
                    Tls = tls,
                    Requests = counts.Item1,
                    Successes = counts.Item2,
                    Failures = counts.Item3,
                    TcpOpened = counts.Item4,
                    TcpOpen = counts.Item4,
                    TcpReadBytes = counts.Item1,
                    TcpWriteBytes = counts.Item2,
                };
                t.LatencyBuckets.AddRange(buckets);
                t.LatencyBoundsMs.AddRange(bounds);
                return t;
            });

    private static readonly Gen<StatsReport> Reports =
        Gen.Select(Gen.OneOf("proxy-1", "", " "), Gen.OneOf("default", "", "ns/x", "Books"), Gen.OneOf("books", "", "a/b"),
            Gen.OneOf("spiffe://cluster.local/ns/default/sa/books", "", "x"),
            Gen.Select(Gen.OneOf(Gen.Long, Gen.OneOf(1L, 1_700_000_000_000L, long.MaxValue, long.MinValue)),
                Gen.OneOf(Gen.UInt, Gen.OneOf(0U, 1U, 10_000U, uint.MaxValue)), Gen.Long),
            Traffic.Array[0, 6], Authorities.Array[0, 3],
            (proxy, ns, workload, identity, times, traffic, services) =>
            {
                var r = new StatsReport
                {
                    ProxyId = proxy,
                    Namespace = ns,
                    Workload = workload,
                    Identity = identity,
                    IntervalStartUnixMs = times.Item1,
                    IntervalMs = times.Item2,
                    ProxyClockUnixMs = times.Item3,
                    CertNotAfterUnixMs = times.Item3,
                    Version = "1",
                };
                r.Traffic.AddRange(traffic);
                r.Services.AddRange(services);
                return r;
            });

    /// <summary>The service's steps after decoding: validate; on no problems split and read the served services.</summary>
    internal static void Check(StatsReport report)
    {
        var errors = StatsReportValidator.Validate(report);
        if (errors.Any(string.IsNullOrWhiteSpace)) throw new FuzzFailure("an empty validation message");
        if (errors.Count > 0) return;
        var slices = StatsReportSplitter.Split(report);
        StatsReportSplitter.ServedServices(report);
        foreach (var (key, slice) in slices)
            if (string.IsNullOrEmpty(key) || slice.Samples.IsEmpty) throw new FuzzFailure($"slice '{key}' with {slice.Samples.Length} samples");
    }

    /// <summary>Reports as a sidecar sends them (one inbound, one outbound with a full histogram; a TCP-only one; an empty one).</summary>
    private static IEnumerable<StatsReport> Seeds()
    {
        var report = new StatsReport
        {
            ProxyId = "host-1234",
            Namespace = "default",
            Workload = "books-1",
            Identity = "spiffe://cluster.local/ns/default/sa/books",
            IntervalStartUnixMs = 1_700_000_000_000,
            IntervalMs = 10_000,
            ProxyClockUnixMs = 1_700_000_010_000,
            CertNotAfterUnixMs = 1_700_086_400_000,
            DiscoveryConnected = true,
            Version = "0.1.0",
        };
        report.Services.Add("books.default.svc.cluster.local:8080");
        var inbound = new TrafficStats
        {
            Direction = "inbound",
            Authority = "books.default.svc.cluster.local:8080",
            Tls = true,
            SourceIdentity = "spiffe://cluster.local/ns/default/sa/web",
            Requests = 100,
            Successes = 95,
            Failures = 5,
            Route = "books-split"
        };
        inbound.LatencyBuckets.AddRange(Enumerable.Range(0, LatencyBuckets.Count).Select(i => (ulong)i));
        inbound.LatencyBoundsMs.AddRange(LatencyBuckets.BoundsMs);
        var outbound = new TrafficStats
        {
            Direction = "outbound",
            Authority = "authors.default:7002",
            Tls = true,
            Requests = 7,
            Successes = 7,
            DestinationIdentity = "spiffe://cluster.local/ns/default/sa/authors",
            Backend = "authors",
            TlsGroup = "X25519MLKEM768"
        };
        report.Traffic.Add(inbound);
        report.Traffic.Add(outbound);
        yield return report;
        var tcp = report.Clone();
        tcp.Traffic.Clear();
        tcp.Traffic.Add(new TrafficStats { Direction = "inbound", TcpOpened = 3, TcpOpen = 1, TcpReadBytes = 4096, TcpWriteBytes = 512 });
        yield return tcp;
        yield return new StatsReport { ProxyId = "p", IntervalStartUnixMs = 1, IntervalMs = 1 };
    }

    [Fact]
    public void Validate_GeneratedReports_ProblemsOrSlicesNeverThrows() =>
        FuzzRun.Run(output, "stats-report", Reports, Check, ciCases: 1000, print: r => r.ToString());

    [Fact]
    public void Validate_MutatedWireBytes_ProblemsOrSlicesNeverThrows()
    {
        var mutator = new Mutator([.. Seeds().Select(r => r.ToByteArray())], []);
        FuzzRun.Run(output, "stats-report-wire", mutator.Inputs(), CheckWire, ciCases: 1000, FuzzRun.Show);
    }

    internal static void CheckWire(byte[] bytes)
    {
        StatsReport report;
        try { report = StatsReport.Parser.ParseFrom(bytes); }
        catch (InvalidProtocolBufferException) { return; } // gRPC answers these itself, before the service
        Check(report);
    }

    internal static IEnumerable<byte[]> WireSeeds() => Seeds().Select(r => r.ToByteArray());
}
