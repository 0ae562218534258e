using Mesh.Api.V1;
using Mesh.Silo.Telemetry;

namespace Mesh.Fuzz.Tests.Silo.Telemetry;

/// <summary>Reports the fuzzer found crashing the telemetry service after validation (gRPC Internal), pinned as found.</summary>
public sealed class StatsReportSplitterTests
{
    private static StatsReport Report(string ns, string workload)
    {
        var report = new StatsReport { ProxyId = "p", Namespace = ns, Workload = workload, IntervalStartUnixMs = 1, IntervalMs = 1 };
        report.Traffic.Add(new TrafficStats { Direction = "inbound", Authority = "not a service", Requests = 1, Successes = 1 });
        return report;
    }

    [Theory]
    [InlineData("", "x")]
    [InlineData("a/b", "x")]
    [InlineData("default", "a/b")]
    public void Validate_NamespaceOrWorkloadNotAName_Rejected(string ns, string workload)
    {
        var errors = StatsReportValidator.Validate(Report(ns, workload));

        Assert.Contains(errors, e => e.StartsWith(ns.Length == 0 || ns.Contains('/') ? "namespace" : "workload", StringComparison.Ordinal));
    }

    [Fact]
    public void Split_InboundWithoutServiceOrWorkload_NoSliceNoThrow()
    {
        var report = Report("default", "");
        Assert.Empty(StatsReportValidator.Validate(report));

        Assert.Empty(StatsReportSplitter.Split(report));
    }
}
