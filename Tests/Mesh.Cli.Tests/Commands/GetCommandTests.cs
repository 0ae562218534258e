using System.Text.Json.Nodes;
using Mesh.Cli.Tests.Fakes;
using YamlDotNet.Serialization;

namespace Mesh.Cli.Tests.Commands;

public sealed class GetCommandTests : FakeSiloTestBase
{
    [Fact]
    public async Task Get_Services_PrintsAlignedTableWithPortsAndSelector()
    {
        Admin.Respond("GET", "/api/v1/resources/services?namespace=default", 200, Samples.List(Samples.BooksService));

        var result = await Cli.RunAsync("get", "services");

        Assert.Equal(0, result.ExitCode);
        var lines = Rows(result.Out);
        Assert.Equal(["NAMESPACE", "NAME", "PORTS", "SELECTOR"], lines[0]);
        Assert.Equal(["default", "books", "8080->7001", "app=books"], lines[1]);
        AssertAligned(result.Out, "NAME", "books");
        AssertAligned(result.Out, "SELECTOR", "app=books");
    }

    [Fact]
    public async Task Get_Workloads_ShowsAddressesAccountMeshedAndReady()
    {
        Admin.Respond("GET", "/api/v1/resources/wl?namespace=default", 200, Samples.List(Samples.BooksWorkload2, Samples.BooksWorkload1));

        var result = await Cli.RunAsync("get", "wl");

        Assert.Equal(0, result.ExitCode);
        var lines = Rows(result.Out);
        Assert.Equal(["NAMESPACE", "NAME", "ADDRESSES", "SA", "MESHED", "READY"], lines[0]);
        Assert.Equal(["default", "books-1", "127.0.0.11", "books", "yes", "true"], lines[1]);
        Assert.Equal(["default", "books-2", "127.0.0.12", "books", "no", "false"], lines[2]);
    }

    [Fact]
    public async Task Get_HttpRoutes_ShowsParentsAndWeightedBackends()
    {
        Admin.Respond("GET", "/api/v1/resources/httproutes?namespace=default", 200, Samples.List(Samples.BooksSplit));

        var result = await Cli.RunAsync("get", "httproutes");

        var lines = Rows(result.Out);
        Assert.Equal(["NAMESPACE", "NAME", "PARENTS", "BACKENDS"], lines[0]);
        Assert.Equal(["default", "books-split", "books:8080", "books-v1:8080=90,books-v2:8080=10"], lines[1]);
    }

    [Fact]
    public async Task Get_Wide_AddsKindSpecificAndLabelColumns()
    {
        Admin.Respond("GET", "/api/v1/resources/workloads?namespace=default", 200, Samples.List(Samples.BooksWorkload1));

        var result = await Cli.RunAsync("get", "workloads", "-o", "wide");

        var lines = Rows(result.Out);
        Assert.Equal(["NAMESPACE", "NAME", "ADDRESSES", "SA", "MESHED", "READY", "PORTS", "PROXY", "ZONE", "WEIGHT", "LEASE", "LABELS"], lines[0]);
        Assert.Equal(["default", "books-1", "127.0.0.11", "books", "yes", "true", "http:7001", "inbound:4143,admin:4191", "a", "1", "-", "app=books"], lines[1]);
    }

    [Fact]
    public async Task Get_WideLeasedWorkload_ShowsTimeLeftOfItsLease()
    {
        var workload = JsonNode.Parse(Samples.BooksWorkload1)!;
        var expires = DateTimeOffset.UtcNow.AddSeconds(30).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);
        workload["status"] = new JsonObject { ["lease"] = new JsonObject { ["seconds"] = 30, ["expiresAt"] = expires } };
        var expired = JsonNode.Parse(Samples.BooksWorkload2)!;
        expired["status"] = new JsonObject { ["lease"] = new JsonObject { ["seconds"] = 30, ["expiresAt"] = "2020-01-01T00:00:00.000Z" } };
        Admin.Respond("GET", "/api/v1/resources/workloads?namespace=default", 200, Samples.List(workload.ToJsonString(), expired.ToJsonString()));

        var result = await Cli.RunAsync("get", "workloads", "-o", "wide");

        var lines = Rows(result.Out);
        var lease = Array.IndexOf(lines[0], "LEASE");
        Assert.Matches(@"^(2\d|30)s/30s$", lines[1][lease]);
        Assert.Equal("expired/30s", lines[2][lease]);
    }

    [Fact]
    public async Task Get_AllNamespaces_AsksWithoutNamespaceAndSortsRows()
    {
        Admin.Respond("GET", "/api/v1/resources/svc", 200, Samples.List(Samples.AuthorsService, Samples.BooksService));

        var result = await Cli.RunAsync("get", "svc", "-A");

        Assert.Equal(0, result.ExitCode);
        var lines = Rows(result.Out);
        Assert.Equal(["default", "books", "8080->7001", "app=books"], lines[1]);
        Assert.Equal(["store", "authors", "9090->grpc", "app=authors,tier=backend"], lines[2]);
    }

    [Fact]
    public async Task Get_Json_WritesOnlyTheItemsArrayToStdout()
    {
        Admin.Respond("GET", "/api/v1/resources/services?namespace=default", 200, Samples.List(Samples.BooksService, Samples.AuthorsService));

        var result = await Cli.RunAsync("get", "services", "-o", "json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Err);
        var items = JsonNode.Parse(result.Out)!.AsArray();
        Assert.Equal(2, items.Count);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Samples.BooksService), items[0]));
    }

    [Fact]
    public async Task Get_NamedJson_WritesTheResourceObject()
    {
        Admin.Respond("GET", "/api/v1/resources/service/default/books", 200, Samples.BooksService);

        var result = await Cli.RunAsync("get", "service", "books", "-o", "json");

        Assert.Equal(0, result.ExitCode);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Samples.BooksService), JsonNode.Parse(result.Out)));
    }

    [Fact]
    public async Task Get_Yaml_RendersDocumentsThatReadBackAsTheSameJson()
    {
        const string tricky = """
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"odd","namespace":"default","annotations":{"a":"8080","b":"true","c":"","d":"null"}},
             "spec":{"selector":{},"ports":[{"port":80,"targetPort":"http"}]}}
            """;
        Admin.Respond("GET", "/api/v1/resources/services?namespace=default", 200, Samples.List(Samples.BooksService, tricky));

        var result = await Cli.RunAsync("get", "services", "-o", "yaml");

        Assert.Equal(0, result.ExitCode);
        var documents = result.Out.Split("---\n");
        Assert.Equal(2, documents.Length);
        Assert.StartsWith("apiVersion: v1\nkind: Service\n", documents[0]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Samples.BooksService), YamlToJson(documents[0])), documents[0]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(tricky), YamlToJson(documents[1])), documents[1]);
    }

    [Fact]
    public async Task Get_NameNotFound_Exits1NamingTheResource()
    {
        var result = await Cli.RunAsync("get", "svc", "nope", "-n", "shop");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: service/nope not found in namespace shop", result.Err);
        Assert.Equal("/api/v1/resources/svc/shop/nope", Assert.Single(Admin.Requests).PathAndQuery);
    }

    [Fact]
    public async Task Get_UnknownKind_Exits1WithTheSilosDetail()
    {
        Admin.RespondProblem("GET", "/api/v1/resources/gizmos?namespace=default", 400,
            """{"title":"unknown kind","detail":"gizmos is not a kind; known: services, workloads, httproutes"}""");

        var result = await Cli.RunAsync("get", "gizmos");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: unknown kind: gizmos is not a kind; known: services, workloads, httproutes", result.Err);
    }

    [Fact]
    public async Task Get_SiloDoesNotAnswer_Exits2AfterTheTimeout()
    {
        Admin.Hang("GET", "/api/v1/resources/services?namespace=default");
        Cli.RequestTimeout = TimeSpan.FromMilliseconds(300);

        var result = await Cli.RunAsync("get", "services");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: cannot reach the silo at", result.Err);
        Assert.Contains("no answer within", result.Err);
    }

    [Fact]
    public async Task Get_NotJson_Exits1SayingWhatAnswered()
    {
        Admin.Respond("GET", "/api/v1/resources/services?namespace=default", 200, "<html>nginx</html>", "text/html");

        var result = await Cli.RunAsync("get", "services");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("not JSON", result.Err);
        Assert.Contains("MESH_ADMIN_ADDR", result.Err);
    }

    [Fact]
    public async Task Get_NothingFound_NotesOnStderrAndLeavesStdoutEmpty()
    {
        Admin.Respond("GET", "/api/v1/resources/services?namespace=default", 200, """{"items":[]}""");

        var result = await Cli.RunAsync("get", "services");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Out);
        Assert.Contains("No resources found in namespace default.", result.Err);
    }

    [Fact]
    public async Task Get_AllNamespacesWithNamespace_Exits1WithUsage()
    {
        var result = await Cli.RunAsync("get", "services", "-A", "-n", "shop");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error: -A and -n cannot be combined", result.Err);
        Assert.Contains("Usage:", result.Err);
        Assert.Empty(Admin.Requests);
    }

    [Fact]
    public async Task Get_BadOutputFormat_Exits1WithChoices()
    {
        var result = await Cli.RunAsync("get", "services", "-o", "xml");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("'xml' not recognized", result.Err);
        Assert.Equal("", result.Out);
    }

    private static List<string[]> Rows(string table) =>
        table.Split('\n', StringSplitOptions.RemoveEmptyEntries)
             .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
             .ToList();

    /// <summary>The value starts in the same column as its header.</summary>
    private static void AssertAligned(string table, string header, string value)
    {
        var lines = table.Split('\n');
        var column = System.Text.RegularExpressions.Regex.Match(lines[0], $@"\b{header}\b").Index;
        Assert.True(column > 0, lines[0]);
        Assert.Equal(column, System.Text.RegularExpressions.Regex.Match(lines[1], $@"\b{value}\b").Index);
    }

    private static JsonNode? YamlToJson(string yaml)
    {
        var value = new DeserializerBuilder().WithAttemptingUnquotedStringTypeDeserialization().Build().Deserialize<object?>(yaml);
        var json = new SerializerBuilder().JsonCompatible().Build().Serialize(value);
        return JsonNode.Parse(json);
    }
}
