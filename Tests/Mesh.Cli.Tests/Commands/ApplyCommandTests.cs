using Mesh.Cli.Tests.Fakes;

namespace Mesh.Cli.Tests.Commands;

public sealed class ApplyCommandTests : FakeSiloTestBase
{
    private const string CreatedBoth = """
        {"results":[{"kind":"Service","namespace":"default","name":"books","action":"created"},
                    {"kind":"Workload","namespace":"default","name":"books-1","action":"unchanged"}]}
        """;

    [Fact]
    public async Task Apply_File_PrintsOneLinePerResultAndSendsTokenAndText()
    {
        Admin.Respond("POST", "/api/v1/apply", 200, CreatedBoth);
        var file = Cli.WriteFile("books.yaml", Samples.BooksYaml);

        var result = await Cli.RunAsync("apply", "-f", file);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["service/books created", "workload/books-1 unchanged"], Lines(result.Out));
        var request = Assert.Single(Admin.Requests);
        Assert.Equal("Bearer test-token", request.Authorization);
        Assert.Equal(Samples.BooksYaml, request.Body);
    }

    [Fact]
    public async Task Apply_SiloWarns_PrintsEachWarningOnStderr()
    {
        Admin.Respond("POST", "/api/v1/apply", 200, """
            {"results":[{"kind":"HTTPRoute","namespace":"default","name":"books-split","action":"created"}],"dryRun":false,
             "warnings":["HTTPRoute books-split.default: backendRef books-v1:8080: no Service books-v1 in namespace default; requests routed to it fail with 503 until it is applied"]}
            """);
        var file = Cli.WriteFile("route.yaml", Samples.BooksYaml);

        var result = await Cli.RunAsync("apply", "-f", file);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["httproute/books-split created"], Lines(result.Out));
        Assert.Contains("warning: HTTPRoute books-split.default: backendRef books-v1:8080: no Service books-v1 in namespace default", result.Err);
    }

    [Fact]
    public async Task Apply_DryRunAndNamespace_SendsQueryAndMarksLines()
    {
        Admin.Respond("POST", "/api/v1/apply?namespace=shop&dryRun=true", 200, CreatedBoth);
        Cli.Stdin = Samples.BooksYaml;

        var result = await Cli.RunAsync("apply", "-f", "-", "-n", "shop", "--dry-run");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["service/books created (dry run)", "workload/books-1 unchanged (dry run)"], Lines(result.Out));
        Assert.Equal(Samples.BooksYaml, Assert.Single(Admin.Requests).Body);
    }

    [Fact]
    public async Task Apply_JsonOutput_WritesOnlyTheResultsArray()
    {
        Admin.Respond("POST", "/api/v1/apply", 200, CreatedBoth);
        var file = Cli.WriteFile("books.yaml", Samples.BooksYaml);

        var result = await Cli.RunAsync("apply", "-f", file, "-o", "json");

        Assert.Equal(0, result.ExitCode);
        var results = System.Text.Json.Nodes.JsonNode.Parse(result.Out)!.AsArray();
        Assert.Equal("books", results[0]!["name"]!.GetValue<string>());
        Assert.Equal("", result.Err);
    }

    [Fact]
    public async Task Apply_Directory_DryRunsEveryFileThenAppliesInNameOrder()
    {
        Admin.Respond("POST", "/api/v1/apply?dryRun=true", 200, CreatedBoth);
        Admin.Respond("POST", "/api/v1/apply", 200, CreatedBoth);
        Cli.WriteFile("manifests/b.yml", "kind: B");
        Cli.WriteFile("manifests/a.yaml", "kind: A");
        Cli.WriteFile("manifests/c.json", "{\"kind\":\"C\"}");
        Cli.WriteFile("manifests/notes.txt", "not a manifest");

        var result = await Cli.RunAsync("apply", "-f", Path.Combine(Cli.DataDirectory, "manifests"));

        Assert.Equal(0, result.ExitCode);
        var sent = Admin.Requests.Select(r => $"{r.PathAndQuery} {r.Body}").ToList();
        Assert.Equal(
        [
            "/api/v1/apply?dryRun=true kind: A", "/api/v1/apply?dryRun=true kind: B", "/api/v1/apply?dryRun=true {\"kind\":\"C\"}",
            "/api/v1/apply kind: A", "/api/v1/apply kind: B", "/api/v1/apply {\"kind\":\"C\"}",
        ], sent);
        Assert.Equal(6, Lines(result.Out).Count);
    }

    [Fact]
    public async Task Apply_Problem400_PrintsDocPathLinesAndExits1()
    {
        Admin.RespondProblem("POST", "/api/v1/apply", 400, """
            {"type":"about:blank","title":"invalid manifest","status":400,"detail":"2 errors; nothing was written",
             "errors":[{"document":2,"path":"spec.ports[0].port","message":"must be 1..65535"},
                       {"document":3,"path":"spec.bogus","message":"unknown field"}]}
            """);
        var file = Cli.WriteFile("bad.yaml", "kind: Service");

        var result = await Cli.RunAsync("apply", "-f", file);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Out);
        var errors = Lines(result.Err);
        Assert.Equal("error: doc 2: spec.ports[0].port: must be 1..65535", errors[0]);
        Assert.Equal("error: doc 3: spec.bogus: unknown field", errors[1]);
        Assert.Contains("nothing was applied", result.Err);
    }

    [Fact]
    public async Task Apply_SecondFileInvalid_NothingIsAppliedAndErrorsNameTheFile()
    {
        var good = Cli.WriteFile("1-good.yaml", "kind: Good");
        var bad = Cli.WriteFile("2-bad.yaml", "kind: Bad");
        Admin.Respond("POST", "/api/v1/apply?dryRun=true", 200, CreatedBoth);
        Admin.Respond("POST", "/api/v1/apply", 200, CreatedBoth);
        Admin.RespondProblemWhen(r => r.Body == "kind: Bad", 400, """
            {"title":"invalid manifest","errors":[{"document":1,"path":"kind","message":"unknown kind Bad"}]}
            """);

        var result = await Cli.RunAsync("apply", "-f", good, "-f", bad);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(["/api/v1/apply?dryRun=true", "/api/v1/apply?dryRun=true"], Admin.Requests.Select(r => r.PathAndQuery));
        Assert.StartsWith($"error: {bad}: doc 1: kind: unknown kind Bad", result.Err);
        Assert.Equal("", result.Out);
    }

    [Fact]
    public async Task Apply_Problem400WithoutFieldErrors_PrintsTitleAndDetail()
    {
        Admin.RespondProblem("POST", "/api/v1/apply", 400, """{"title":"invalid manifest","detail":"doc 1: not YAML"}""");
        var file = Cli.WriteFile("bad.yaml", ": : :");

        var result = await Cli.RunAsync("apply", "-f", file);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: invalid manifest: doc 1: not YAML", result.Err);
    }

    [Fact]
    public async Task Apply_Unauthorized_Exits1AndSaysHowToSetTheToken()
    {
        Admin.RespondProblem("POST", "/api/v1/apply", 401, """{"title":"Unauthorized","detail":"bad bearer token"}""");
        var file = Cli.WriteFile("books.yaml", Samples.BooksYaml);

        var result = await Cli.RunAsync("apply", "-f", file);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("not authorized", result.Err);
        Assert.Contains("token was rejected", result.Err);
        Assert.Contains("MESH_TOKEN", result.Err);
    }

    [Fact]
    public async Task Apply_NoTokenAnywhereAnd401_NamesTheTokenFile()
    {
        Cli.Environment.Remove("MESH_TOKEN");
        Admin.RespondProblem("POST", "/api/v1/apply", 401, """{"title":"Unauthorized"}""");
        var file = Cli.WriteFile("books.yaml", Samples.BooksYaml);

        var result = await Cli.RunAsync("apply", "-f", file);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", Assert.Single(Admin.Requests).Authorization);
        Assert.Contains(Path.Combine(Cli.DataDirectory, "admin-token"), result.Err);
    }

    [Fact]
    public async Task Apply_TokenInDataDir_IsSentWhenMeshTokenUnset()
    {
        Cli.Environment.Remove("MESH_TOKEN");
        Cli.WriteFile("admin-token", "from-file\n");
        Admin.Respond("POST", "/api/v1/apply", 200, CreatedBoth);
        var file = Cli.WriteFile("books.yaml", Samples.BooksYaml);

        var result = await Cli.RunAsync("apply", "-f", file);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("Bearer from-file", Assert.Single(Admin.Requests).Authorization);
    }

    [Fact]
    public async Task Apply_SiloJsonOfLiveSilo_IsUsedWhenAddressUnset()
    {
        Cli.Environment.Remove("MESH_ADMIN_ADDR");
        Cli.WriteFile("silo.json", $$"""{"admin":"{{Admin.Address}}","control":"http://127.0.0.1:1","pid":{{Environment.ProcessId}}}""");
        Admin.Respond("POST", "/api/v1/apply", 200, CreatedBoth);
        var file = Cli.WriteFile("books.yaml", Samples.BooksYaml);

        var result = await Cli.RunAsync("apply", "-f", file);

        Assert.Equal(0, result.ExitCode);
        Assert.Single(Admin.Requests);
    }

    [Fact]
    public async Task Apply_SiloDown_Exits2WithHowToStartIt()
    {
        var address = ClosedAddress();
        Cli.Environment["MESH_ADMIN_ADDR"] = address;
        var file = Cli.WriteFile("books.yaml", Samples.BooksYaml);

        var result = await Cli.RunAsync("apply", "-f", file);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"error: cannot reach the silo at http://{address} (is it running? start it with ./mesh silo)", result.Err);
        Assert.Contains("connection refused", result.Err);
    }

    [Fact]
    public async Task Apply_TooLarge413_Exits1AndSuggestsSplitting()
    {
        Admin.Respond("POST", "/api/v1/apply", 413, "");
        var file = Cli.WriteFile("books.yaml", Samples.BooksYaml);

        var result = await Cli.RunAsync("apply", "-f", file);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("too large", result.Err);
    }

    [Fact]
    public async Task Apply_MissingFile_Exits1WithoutContactingTheSilo()
    {
        var result = await Cli.RunAsync("apply", "-f", Path.Combine(Cli.DataDirectory, "nope.yaml"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("nope.yaml: no such file or directory", result.Err);
        Assert.Empty(Admin.Requests);
    }

    [Fact]
    public async Task Apply_EmptyFile_Exits1WithoutContactingTheSilo()
    {
        var file = Cli.WriteFile("empty.yaml", "  \n");

        var result = await Cli.RunAsync("apply", "-f", file);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("the manifest is empty", result.Err);
        Assert.Empty(Admin.Requests);
    }

    [Fact]
    public async Task Apply_DirectoryWithoutManifests_Exits1()
    {
        Cli.WriteFile("docs/readme.txt", "hello");

        var result = await Cli.RunAsync("apply", "-f", Path.Combine(Cli.DataDirectory, "docs"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no *.yaml, *.yml or *.json files", result.Err);
    }

    [Fact]
    public async Task Apply_WithoutFileOption_Exits1WithUsageOnStderr()
    {
        var result = await Cli.RunAsync("apply");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Out);
        Assert.Contains("error: Option '--filename' is required.", result.Err);
        Assert.Contains("Usage:", result.Err);
        Assert.Contains(" apply [options]", result.Err);
    }

    private static List<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd()).ToList();
}
