using System.Text.Json.Nodes;
using Mesh.Cli.Tests.Fakes;

namespace Mesh.Cli.Tests.Commands;

public sealed class EdgesRoutesTopCommandTests : FakeSiloTestBase
{
    [Fact]
    public async Task Edges_Table_ShowsIdentitiesAndSecuredMark()
    {
        Admin.Respond("GET", "/api/v1/stats/edges?window=1m", 200, StatsSamples.Edges);

        var result = await Cli.RunAsync("edges");

        Assert.True(result.ExitCode == 0, result.ToString());
        var rows = TableText.Rows(result.Out);
        Assert.Equal(["SRC", "DST", "SRC_IDENTITY", "DST_IDENTITY", "SECURED"], rows[0]);
        Assert.Equal(["(unmeshed)", "default/web", "-", "spiffe://cluster.local/ns/default/sa/web", "-"], rows[1]);
        Assert.Equal(["default/web", "default/books", "spiffe://cluster.local/ns/default/sa/web", "spiffe://cluster.local/ns/default/sa/books", "√"], rows[2]);
    }

    [Fact]
    public async Task Edges_NamespaceWindowJson_PassesThemOnAndPrintsJsonOnly()
    {
        Admin.Respond("GET", "/api/v1/stats/edges?namespace=default&window=10s", 200, StatsSamples.Edges);

        var result = await Cli.RunAsync("edges", "-n", "default", "--window", "10s", "-o", "json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Err);
        Assert.True(JsonNode.Parse(result.Out)!.AsArray()[1]!["mtls"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Edges_None_SaysSo()
    {
        Admin.Respond("GET", "/api/v1/stats/edges?window=1m", 200, "[]");

        var result = await Cli.RunAsync("edges");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Out);
        Assert.Contains("No stats", result.Err);
    }

    [Fact]
    public async Task Routes_Table_ShowsRoutesThenBackends()
    {
        Admin.Respond("GET", "/api/v1/stats/routes/default/books?window=1m", 200, StatsSamples.Routes);

        var result = await Cli.RunAsync("routes", "books");

        Assert.True(result.ExitCode == 0, result.ToString());
        var rows = TableText.Rows(result.Out);
        Assert.Equal(["ROUTE", "SERVICE", "SUCCESS", "RPS", "LATENCY_P50", "LATENCY_P95", "LATENCY_P99"], rows[0]);
        Assert.Equal(["books-split", "books", "97.50%", "2.0rps", "5ms", "20ms", "80ms"], rows[1]);
        Assert.Equal(["[default]", "books", "-", "0.0rps", "-", "-", "-"], rows[2]);
        Assert.Equal(["BACKEND", "SERVICE", "SUCCESS", "RPS", "LATENCY_P50", "LATENCY_P95", "LATENCY_P99"], rows[3]);
        Assert.Equal(["books-v2", "books", "75.00%", "0.2rps", "9.5ms", "60ms", "90ms"], rows[5]);
    }

    [Fact]
    public async Task Routes_Json_PrintsTheAnswer()
    {
        Admin.Respond("GET", "/api/v1/stats/routes/store/books?window=10m", 200, StatsSamples.Routes);

        var result = await Cli.RunAsync("routes", "books", "-n", "store", "--window", "10m", "-o", "json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(2, JsonNode.Parse(result.Out)!["routes"]!.AsArray().Count);
    }

    [Fact]
    public async Task Routes_UnknownService_Exit1WithTheSilosReason()
    {
        Admin.RespondProblem("GET", "/api/v1/stats/routes/default/nope?window=1m", 404,
            """{"title":"no stats for this service","status":404,"detail":"service default/nope has no stats yet: no proxy reported traffic to or from it in the last 10m; is it meshed (mesh run) and receiving traffic?"}""");

        var result = await Cli.RunAsync("routes", "nope");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error: service default/nope has no stats yet", result.Err);
        Assert.Contains("mesh stat -A", result.Err);
    }

    [Fact]
    public async Task Top_Once_PrintsMostCalledPaths()
    {
        Admin.Respond("GET", "/api/v1/stats/top?window=10s", 200, StatsSamples.Top);

        var result = await Cli.RunAsync("top", "--once");

        Assert.True(result.ExitCode == 0, result.ToString());
        var rows = TableText.Rows(result.Out);
        Assert.Equal(["NAMESPACE", "SERVICE", "PATH", "COUNT", "RPS", "SUCCESS", "LATENCY_P50", "LATENCY_P99"], rows[0]);
        Assert.Equal(["default", "books", "/books/1", "300", "30.0rps", "100.00%", "2.5ms", "12ms"], rows[1]);
        Assert.Equal(["default", "authors", "/authors", "50", "5.0rps", "90.00%", "7ms", "31ms"], rows[2]);
    }

    [Fact]
    public async Task Top_OnceJsonWithNamespace_PrintsJson()
    {
        Admin.Respond("GET", "/api/v1/stats/top?namespace=default&window=1m", 200, StatsSamples.Top);

        var result = await Cli.RunAsync("top", "--once", "-n", "default", "--window", "1m", "-o", "json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("/books/1", JsonNode.Parse(result.Out)!.AsArray()[0]!["path"]!.GetValue<string>());
    }

    [Fact]
    public async Task Top_Live_RedrawsUntilCtrlC()
    {
        Admin.Respond("GET", "/api/v1/stats/top?window=10s", 200, StatsSamples.Top);

        var running = Cli.Start("top");
        await running.WaitForOutputAsync(o => TableText.Lines(o).Count(l => l.StartsWith("NAMESPACE", StringComparison.Ordinal)) >= 2);
        var stopped = await running.StopAsync();

        Assert.Equal(0, stopped.ExitCode);
    }

    [Fact]
    public async Task Top_LiveNoRequests_SaysSoUnderTheHeader()
    {
        Admin.Respond("GET", "/api/v1/stats/top?window=10s", 200, "[]");

        var running = Cli.Start("top");
        await running.WaitForOutputAsync(o => o.Contains("no requests in this window"));
        var stopped = await running.StopAsync();

        Assert.Equal(0, stopped.ExitCode);
        Assert.StartsWith("NAMESPACE", stopped.Out);
    }
}
