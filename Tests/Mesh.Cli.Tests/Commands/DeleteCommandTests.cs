using Mesh.Cli.Tests.Fakes;

namespace Mesh.Cli.Tests.Commands;

public sealed class DeleteCommandTests : FakeSiloTestBase
{
    [Fact]
    public async Task Delete_KindAndName_DeletesWithTokenAndPrints()
    {
        Admin.Respond("DELETE", "/api/v1/resources/svc/shop/books", 200, """{"deleted":true}""");

        var result = await Cli.RunAsync("delete", "svc", "books", "-n", "shop");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("service/books deleted", result.Out.Trim());
        Assert.Equal("Bearer test-token", Assert.Single(Admin.Requests).Authorization);
    }

    [Fact]
    public async Task Delete_NotFound_Exits1NamingNamespace()
    {
        var result = await Cli.RunAsync("delete", "workload", "ghost");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: workload/ghost not found in namespace default", result.Err);
    }

    [Fact]
    public async Task Delete_NotFoundIgnored_Exits0()
    {
        var result = await Cli.RunAsync("delete", "workload", "ghost", "--ignore-not-found");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Err);
    }

    [Fact]
    public async Task Delete_File_DeletesEveryDocumentInItsNamespace()
    {
        Admin.Respond("DELETE", "/api/v1/resources/Service/shop/books", 200, """{"deleted":true}""");
        Admin.Respond("DELETE", "/api/v1/resources/Workload/shop/books-1", 200, """{"deleted":true}""");
        Admin.Respond("DELETE", "/api/v1/resources/HTTPRoute/other/split", 200, """{"deleted":true}""");
        var file = Cli.WriteFile("books.yaml", Samples.BooksYaml + """

            ---
            {"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute","metadata":{"name":"split","namespace":"other"}}
            ---
            """);

        var result = await Cli.RunAsync("delete", "-f", file, "-n", "shop");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["service/books deleted", "workload/books-1 deleted", "httproute/split deleted"],
            result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Delete_FileWithNamelessDocument_Exits1AndDeletesNothing()
    {
        Cli.Stdin = "kind: Service\nmetadata:\n  name: books\n---\nkind: Workload\nmetadata: {}\n";

        var result = await Cli.RunAsync("delete", "-f", "-");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: <stdin>: doc 2: metadata.name: required", result.Err);
        Assert.Empty(Admin.Requests);
    }

    [Fact]
    public async Task Delete_FileWithBadYaml_Exits1WithLine()
    {
        Cli.Stdin = "kind: Service\n  metadata: [\n";

        var result = await Cli.RunAsync("delete", "-f", "-");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("<stdin>: line", result.Err);
        Assert.Empty(Admin.Requests);
    }

    [Theory]
    [InlineData(new string[0], "nothing to delete")]
    [InlineData(new[] { "service" }, "missing the name")]
    [InlineData(new[] { "service", "books", "-f", "x.yaml" }, "not both")]
    public async Task Delete_BadArguments_Exits1WithUsage(string[] args, string message)
    {
        var result = await Cli.RunAsync(["delete", .. args]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(message, result.Err);
        Assert.Contains("Usage:", result.Err);
        Assert.Empty(Admin.Requests);
    }
}
