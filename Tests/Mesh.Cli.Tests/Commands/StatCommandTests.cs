using System.Text.Json.Nodes;
using Mesh.Cli.Tests.Fakes;

namespace Mesh.Cli.Tests.Commands;

public sealed class StatCommandTests : FakeSiloTestBase
{
    [Fact]
    public async Task Stat_Default_ShowsDefaultNamespaceInLinkerdColumns()
    {
        Admin.Respond("GET", "/api/v1/stats/services?namespace=default&window=1m", 200, StatsSamples.Services);

        var result = await Cli.RunAsync("stat");

        Assert.True(result.ExitCode == 0, result.ToString());
        var rows = TableText.Rows(result.Out);
        Assert.Equal(["NAMESPACE", "NAME", "MESHED", "SUCCESS", "RPS", "LATENCY_P50", "LATENCY_P95", "LATENCY_P99", "TCP_CONN", "MTLS"], rows[0]);
        Assert.Equal(["default", "books", "no", "-", "0.0rps", "-", "-", "-", "0", "-"], rows[1]);
        Assert.Equal(["default", "web", "yes", "99.50%", "12.3rps", "3.2ms", "18ms", "46ms", "4", "100%"], rows[2]);
    }

    [Theory]
    [InlineData("deploy")]
    [InlineData("svc")]
    [InlineData("services")]
    public async Task Stat_KindAliases_AskForServiceStats(string kind)
    {
        Admin.Respond("GET", "/api/v1/stats/services?namespace=default&window=1m", 200, StatsSamples.Services);

        var result = await Cli.RunAsync("stat", kind);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("web", result.Out);
    }

    [Fact]
    public async Task Stat_AllNamespacesAndWindow_AsksWithoutNamespace()
    {
        Admin.Respond("GET", "/api/v1/stats/services?window=10m", 200, StatsSamples.Services);

        var result = await Cli.RunAsync("stat", "-A", "--window", "10m");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(3, TableText.Rows(result.Out).Count);
    }

    [Fact]
    public async Task Stat_Json_PrintsRowsOnly()
    {
        Admin.Respond("GET", "/api/v1/stats/services?namespace=store&window=1m", 200, StatsSamples.Services);

        var result = await Cli.RunAsync("stat", "-n", "store", "-o", "json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Err);
        Assert.Equal(0.995, JsonNode.Parse(result.Out)!.AsArray()[0]!["successRate"]!.GetValue<double>());
    }

    [Fact]
    public async Task Stat_NoRows_SaysSoOnStderr()
    {
        Admin.Respond("GET", "/api/v1/stats/services?namespace=default&window=1m", 200, "[]");

        var result = await Cli.RunAsync("stat");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Out);
        Assert.Contains("No stats in namespace default", result.Err);
    }

    [Theory]
    [InlineData("stat", "--window", "5m")]
    [InlineData("stat", "-t", "1h")]
    [InlineData("stat", "pods")]
    [InlineData("stat", "-A", "-n", "default")]
    [InlineData("edges", "--window", "30s")]
    [InlineData("routes", "books", "--window", "2m")]
    [InlineData("top", "--window", "1h", "--once")]
    [InlineData("top", "-o", "json")]
    public async Task StatsVerbs_BadArguments_Exit1WithoutCallingTheSilo(params string[] args)
    {
        var result = await Cli.RunAsync(args);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error:", result.Err);
        Assert.Empty(Admin.Requests);
    }

    [Theory]
    [InlineData("stat")]
    [InlineData("edges")]
    [InlineData("routes", "books")]
    [InlineData("top", "--once")]
    public async Task StatsVerbs_SiloDown_Exit2(params string[] args)
    {
        Cli.Environment["MESH_ADMIN_ADDR"] = ClosedAddress();

        var result = await Cli.RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("cannot reach the silo", result.Err);
    }

    [Theory]
    [InlineData("stat")]
    [InlineData("edges")]
    [InlineData("routes", "books")]
    [InlineData("top", "--once")]
    public async Task StatsVerbs_SiloWithoutStatsApi_SaysSo(params string[] args)
    {
        // A bare 404 with no body, as ASP.NET answers a route it does not have.
        Admin.RespondProblemWhen(_ => true, 404, "");

        var result = await Cli.RunAsync(args);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("does not serve the stats API", result.Err);
    }

    [Fact]
    public async Task Stat_SiloRejectsWindow_ShowsItsProblem()
    {
        Admin.RespondProblem("GET", "/api/v1/stats/services?namespace=default&window=1m", 400,
            """{"title":"invalid window","status":400,"detail":"window '1m' is not valid; use one of 10s, 1m, 10m"}""");

        var result = await Cli.RunAsync("stat");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error: invalid window: window '1m' is not valid", result.Err);
    }

    [Fact]
    public async Task Stat_WatchNotATerminal_PrintsATableEachRefreshUntilCtrlC()
    {
        Admin.Respond("GET", "/api/v1/stats/services?namespace=default&window=1m", 200, StatsSamples.Services);

        var running = Cli.Start("stat", "--watch");
        await running.WaitForOutputAsync(o => CountHeaders(o) >= 2);
        var stopped = await running.StopAsync();

        Assert.Equal(0, stopped.ExitCode);
        Assert.True(Admin.Requests.Count >= 2);
        Assert.DoesNotContain("\u001b[", stopped.Out);
    }

    [Fact]
    public async Task Stat_WatchJson_PrintsOneArrayPerLine()
    {
        Admin.Respond("GET", "/api/v1/stats/services?namespace=default&window=1m", 200, StatsSamples.Services);

        var running = Cli.Start("stat", "--watch", "-o", "json");
        await running.WaitForOutputAsync(o => TableText.Lines(o).Count >= 2);
        var stopped = await running.StopAsync();

        Assert.Equal(0, stopped.ExitCode);
        foreach (var line in TableText.Lines(stopped.Out))
            Assert.Equal(2, JsonNode.Parse(line)!.AsArray().Count);
    }

    private static int CountHeaders(string output) => TableText.Lines(output).Count(l => l.StartsWith("NAMESPACE", StringComparison.Ordinal));
}
