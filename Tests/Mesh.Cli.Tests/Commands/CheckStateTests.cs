using System.Text.Json;
using Mesh.Admin.Contract;
using Mesh.Cli.Commands;
using Mesh.Cli.Tests.Fakes;

namespace Mesh.Cli.Tests.Commands;

/// <summary>The pure version comparison of `mesh check`: fabricated proxy rows against fabricated silo views.</summary>
public sealed class CheckStateTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(6);

    private static CheckState.Report Row(long reportedAfterReadMs, params string[] served) =>
        new(Proxy(StatsSamples.Proxy(lastReportAgeMs: 1000, served: $"[{string.Join(",", served)}]")), reportedAfterReadMs);

    /// <summary>A row of GET /api/v1/proxies as the CLI reads it (through the admin contract).</summary>
    private static ProxyStatusRow Proxy(string json) => JsonSerializer.Deserialize(json, AdminJsonContext.Default.ProxyStatusRow)!;

    private static Dictionary<string, CheckState.HeldVersions?> Held(long endpoints, long profile) =>
        new() { ["default/books"] = new(endpoints, profile) };

    [Fact]
    public void CompareVersions_ProxyOlderWellAfterTheSiloChanged_FailsAsStuckWithTheFix()
    {
        var results = CheckState.CompareVersions([Row(10_000, StatsSamples.Served(endpoints: 3))], Held(5, 2), "sqlite", Grace, out var pending);

        var r = Assert.Single(results);
        Assert.False(pending);
        Assert.Equal(CheckStatus.Fail, r.Status);
        Assert.Equal("proxy web-1 serves books.default:8080 endpoints v3, the silo holds v5 (for more than 6 s): its discovery watch is stuck", r.Detail);
        Assert.StartsWith("restart proxy web-1", r.Fix);
        Assert.Contains("check its connection", r.Fix);
    }

    [Theory]
    [InlineData(-500)]   // the report predates the read: the change may simply not have reached it yet
    [InlineData(3_000)]  // within the grace after the read: normal propagation
    public void CompareVersions_ProxyOlderWithinTheGrace_PendingNotFailed(long reportedAfterReadMs)
    {
        var results = CheckState.CompareVersions([Row(reportedAfterReadMs, StatsSamples.Served(endpoints: 3, profile: 1))], Held(5, 2), "sqlite", Grace, out var pending);

        Assert.True(pending);
        Assert.Equal(CheckStatus.Warn, Assert.Single(results).Status);
    }

    [Fact]
    public void CompareVersions_ProxyNewerThanTheSilo_FailsAsLostState()
    {
        var results = CheckState.CompareVersions([Row(-200, StatsSamples.Served(endpoints: 9, profile: 4))], Held(2, 1), "memory", Grace, out var pending);

        var r = Assert.Single(results);
        Assert.False(pending);
        Assert.Equal(CheckStatus.Fail, r.Status);
        Assert.Equal("the silo lost state: proxy web-1 serves books.default:8080 endpoints v9, the silo holds only v2; " +
                     "serves books.default:8080 profile v4, the silo holds only v1", r.Detail);
        Assert.Contains("--ephemeral", r.Fix);
    }

    [Fact]
    public void CompareVersions_ProxyNewerInAReportAfterTheRead_NotLostState()
    {
        // The silo moved on after its views were read and the proxy followed: normal.
        var results = CheckState.CompareVersions([Row(2_000, StatsSamples.Served(endpoints: 6))], Held(5, 2), "sqlite", Grace, out var pending);

        Assert.False(pending);
        Assert.Equal(CheckStatus.Ok, Assert.Single(results).Status);
    }

    [Fact]
    public void CompareVersions_ServiceTheSiloDoesNotKnow_FailsOnceConfirmed()
    {
        var held = new Dictionary<string, CheckState.HeldVersions?> { ["default/books"] = null };

        var early = CheckState.CompareVersions([Row(100, StatsSamples.Served())], held, "memory", Grace, out var pendingEarly);
        var late = CheckState.CompareVersions([Row(7_000, StatsSamples.Served())], held, "memory", Grace, out var pendingLate);

        Assert.True(pendingEarly);
        Assert.Equal(CheckStatus.Warn, Assert.Single(early).Status);
        Assert.False(pendingLate);
        var r = Assert.Single(late);
        Assert.Equal(CheckStatus.Fail, r.Status);
        Assert.Equal("the silo lost state: proxy web-1 serves books.default:8080, which the silo does not know", r.Detail);
    }

    [Fact]
    public void CompareVersions_SameVersions_Ok()
    {
        var results = CheckState.CompareVersions([Row(10_000, StatsSamples.Served(), StatsSamples.Served(service: "shelf", exists: false))],
            Held(3, 2), "sqlite", Grace, out var pending);

        Assert.False(pending);
        var r = Assert.Single(results);
        Assert.Equal(new CheckResult(CheckState.Category, "proxy web-1 (default/web-1) serves what the silo holds", CheckStatus.Ok, "1 service"), r);
    }

    [Fact]
    public void VersionGrace_LongIntervals_ThreeIntervals()
    {
        Assert.Equal(CheckState.MinVersionGrace, CheckState.VersionGrace(Proxy("""{"intervalMs":1000}""")));
        Assert.Equal(TimeSpan.FromSeconds(30), CheckState.VersionGrace(Proxy("""{"intervalMs":10000}""")));
    }

    [Fact]
    public void Merge_VersionFailureOfAProxy_JoinsItsResourceLine()
    {
        const string Name = "proxy web-1 (default/web-1) serves what the silo holds";
        var merged = CheckState.Merge(
            [new(CheckState.Category, Name, CheckStatus.Fail, "the silo does not hold workload default/web-1", "re-apply")],
            [new(CheckState.Category, Name, CheckStatus.Fail, "the silo lost state: …", "re-apply")]);

        var r = Assert.Single(merged);
        Assert.Equal("the silo does not hold workload default/web-1; the silo lost state: …", r.Detail);
        Assert.Equal("re-apply", r.Fix);
    }
}
