using Mesh.Cli.Tests.Fakes;

namespace Mesh.Cli.Tests.Connection;

/// <summary>Answers of another shape than the admin contract's (a different server on the admin port, a silo of another
/// version, a proxy in between rewriting bodies): each verb fails with an error naming the endpoint, exit 1, and never a
/// stack trace or a half-read value printed as if it were the silo's.</summary>
public sealed class AdminClientTests : FakeSiloTestBase
{
    public static TheoryData<string[], string, string, string> WrongShapes => new()
    {
        { ["get", "services"], "GET", "/api/v1/resources/services?namespace=default", """{"items":{"books":1}}""" },
        { ["apply", "-f", "-"], "POST", "/api/v1/apply", """{"results":[{"kind":7,"name":"books"}]}""" },
        { ["delete", "service", "books"], "DELETE", "/api/v1/resources/service/default/books", """{"deleted":"yes"}""" },
        { ["describe", "service", "books"], "GET", "/api/v1/services/default/books", """{"endpoints":{"version":"many","value":{}}}""" },
        { ["describe", "service", "books"], "GET", "/api/v1/services/default/books", """{"profile":{"version":1,"value":{"routes":[{"port":"any"}]}}}""" },
        { ["identity", "list"], "GET", "/api/v1/identities", """{"trustDomain":"cluster.local","anchors":"none"}""" },
        { ["identity", "token", "default/books"], "POST", "/api/v1/identity/tokens", """{"token":42}""" },
        { ["identity", "rotate-issuer"], "POST", "/api/v1/identity/rotate-issuer", """{"issuer":["CN=x"]}""" },
        { ["stat"], "GET", "/api/v1/stats/services?namespace=default&window=1m", """{"rows":[]}""" },
        { ["edges"], "GET", "/api/v1/stats/edges?window=1m", """[{"src":"default/web","mtls":"yes"}]""" },
        { ["routes", "books"], "GET", "/api/v1/stats/routes/default/books?window=1m", """{"routes":{"name":"r"}}""" },
        { ["top", "--once"], "GET", "/api/v1/stats/top?window=10s", """[{"path":"/","requests":"lots"}]""" },
        { ["get", "services"], "GET", "/api/v1/resources/services?namespace=default", "null" },
        { ["identity", "list"], "GET", "/api/v1/identities", "" },
    };

    [Theory]
    [MemberData(nameof(WrongShapes))]
    public async Task Verb_AnswerOfAnotherShape_Exits1NamingTheEndpoint(string[] args, string method, string pathAndQuery, string body)
    {
        Admin.Respond(method, pathAndQuery, 200, body);
        Cli.Stdin = Samples.BooksYaml;

        var result = await Cli.RunAsync(args);

        Assert.True(result.ExitCode == 1, result.ToString());
        var path = pathAndQuery.Split('?')[0];
        Assert.Contains($"error: the silo at {Admin.Address.ToString().TrimEnd('/')} answered {method} {path} with JSON the admin API does not send", result.Err);
        Assert.Contains("MESH_ADMIN_ADDR", result.Err);
        AssertNoCrash(result);
        Assert.Equal("", result.Out);
    }

    [Fact]
    public async Task Version_InfoOfAnotherShape_ClientVersionAndTheReasonExit1()
    {
        Admin.Respond("GET", "/api/v1/info", 200, """["0.1.0"]""");

        var result = await Cli.RunAsync("version");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith("Client version: ", result.Out);
        Assert.DoesNotContain("Server version: ", result.Out);
        Assert.Contains("Server version: unavailable (the silo at", result.Err);
        Assert.Contains("answered GET /api/v1/info with JSON the admin API does not send", result.Err);
        AssertNoCrash(result);
    }

    [Fact]
    public async Task Check_ProxiesOfAnotherShape_Exits1NamingTheEndpoint()
    {
        RespondHealthySilo();
        Admin.Respond("GET", "/api/v1/proxies", 200, """{"proxies":[]}""");

        var result = await Cli.RunAsync("check");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("answered GET /api/v1/proxies with JSON the admin API does not send", result.Err);
        AssertNoCrash(result);
    }

    [Fact]
    public async Task Check_NullProxyRow_SkippedAndTheOthersChecked()
    {
        RespondHealthySilo();
        Admin.Respond("GET", "/api/v1/proxies", 200, $"[null,{StatsSamples.Proxy()}]");
        Admin.Respond("GET", "/api/v1/resources/workloads", 200, Samples.List());
        Admin.Respond("GET", "/api/v1/resources/services", 200, Samples.List());

        var result = await Cli.RunAsync("check");

        Assert.Contains("proxy web-1 (spiffe://cluster.local/ns/default/sa/web) is connected and certified", result.Out);
        AssertNoCrash(result);
    }

    /// <summary>A healthy silo's /healthz, info and identities, for `mesh check`.</summary>
    private void RespondHealthySilo()
    {
        Admin.Respond("GET", "/healthz", 200, "ok", "text/plain");
        Admin.Respond("GET", "/api/v1/info", 200, StatsSamples.Info);
        Admin.Respond("GET", "/api/v1/identities", 200, StatsSamples.Identities());
    }

    private static void AssertNoCrash(CliResult result)
    {
        var all = result.Out + result.Err;
        Assert.DoesNotContain("Exception", all);
        Assert.DoesNotContain("   at ", all);
    }
}
