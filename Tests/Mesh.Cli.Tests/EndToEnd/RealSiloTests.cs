using System.Text.Json.Nodes;
using Mesh.Cli.Tests.Fakes;

namespace Mesh.Cli.Tests.EndToEnd;

/// <summary>The CLI against the real silo: `mesh silo` runs as a child process on free ports in a temp data dir, and the
/// CLI finds it through &lt;data-dir&gt;/silo.json and admin-token alone (no address or token variables).</summary>
[Trait("Category", "E2E")]
public sealed class RealSiloTests : RealSiloTestBase
{
    private const string Authority = "books.default.svc.cluster.local:8080";
    private static readonly TimeSpan Propagation = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task ApplyGetDiagnostics_BooksExample_ShowsBothEndpointsAndWatchSeesAThird()
    {
        var manifest = Path.Combine(AppContext.BaseDirectory, "testdata", "books.yaml");

        var applied = await Cli.RunAsync("apply", "-f", manifest);
        Assert.True(applied.ExitCode == 0, applied.ToString());
        Assert.Equal(["service/books created", "workload/books-1 created", "workload/books-2 created"], Lines(applied.Out));

        var again = await Cli.RunAsync("apply", "-f", manifest);
        Assert.Equal(["service/books unchanged", "workload/books-1 unchanged", "workload/books-2 unchanged"], Lines(again.Out));

        var services = await Cli.RunAsync("get", "services", "-o", "json");
        Assert.True(services.ExitCode == 0, services.ToString());
        var books = Assert.Single(JsonNode.Parse(services.Out)!.AsArray());
        Assert.Equal("books", books!["metadata"]!["name"]!.GetValue<string>());

        var workloads = await Cli.RunAsync("get", "workloads");
        Assert.Matches(@"default\s+books-1\s+127\.0\.0\.11\s+books\s+no\s+true", workloads.Out);
        Assert.Matches(@"default\s+books-2\s+127\.0\.0\.12\s+books\s+no\s+true", workloads.Out);

        // Endpoints are derived asynchronously from the applied resources: poll with a deadline.
        var endpoints = await PollAsync(() => Cli.RunAsync("diagnostics", "endpoints", Authority),
            r => r.ExitCode == 0 && r.Out.Contains("127.0.0.11") && r.Out.Contains("127.0.0.12"));
        Assert.Matches(@"default\s+127\.0\.0\.11\s+7001\s+books-1\s+books\.default", endpoints.Out);
        Assert.Matches(@"default\s+127\.0\.0\.12\s+7001\s+books-2\s+books\.default", endpoints.Out);

        var described = await Cli.RunAsync("describe", "service", "books");
        Assert.True(described.ExitCode == 0, described.ToString());
        Assert.Contains("127.0.0.11:7001", described.Out);
        Assert.Contains("Endpoints:       2", described.Out);

        var watch = Cli.Start("diagnostics", "endpoints", Authority, "--watch");
        try
        {
            await watch.WaitForOutputAsync(o => o.Contains("127.0.0.12"), Propagation);
            Cli.Stdin = """
                apiVersion: mesh.io/v1alpha1
                kind: Workload
                metadata: {name: books-3, labels: {app: books}}
                spec: {addresses: ["127.0.0.13"], ports: [{name: http, port: 7001}]}
                """;
            var third = await Cli.RunAsync("apply", "-f", "-");
            Assert.Equal(["workload/books-3 created"], Lines(third.Out));
            await watch.WaitForOutputAsync(o => o.Contains("+ 127.0.0.13:7001"), Propagation);

            var deleted = await Cli.RunAsync("delete", "workload", "books-3");
            Assert.Equal(["workload/books-3 deleted"], Lines(deleted.Out));
            await watch.WaitForOutputAsync(o => o.Contains("- 127.0.0.13:7001"), Propagation);
        }
        finally
        {
            var stopped = await watch.StopAsync();
            Assert.Equal(0, stopped.ExitCode);
        }

        var unknown = await Cli.RunAsync("diagnostics", "endpoints", "nope.default.svc.cluster.local:80");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no such service", unknown.Err);
    }

    [Fact]
    public async Task Apply_InvalidManifestAndWrongToken_NothingWritten()
    {
        Cli.Stdin = "apiVersion: v1\nkind: Service\nmetadata: {name: bad}\nspec: {ports: [{port: 70000}], bogus: 1}\n";
        var invalid = await Cli.RunAsync("apply", "-f", "-");
        Assert.Equal(1, invalid.ExitCode);
        Assert.Matches(@"error: doc 1: spec\.", invalid.Err);

        Cli.Environment["MESH_TOKEN"] = "wrong";
        Cli.Stdin = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "testdata", "books.yaml"));
        var rejected = await Cli.RunAsync("apply", "-f", "-");
        Assert.Equal(1, rejected.ExitCode);
        Assert.Contains("not authorized", rejected.Err);

        var services = await Cli.RunAsync("get", "services", "-A", "-o", "json");
        Assert.Empty(JsonNode.Parse(services.Out)!.AsArray());
    }

    private static List<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd()).ToList();

    private static async Task<CliResult> PollAsync(Func<Task<CliResult>> run, Func<CliResult, bool> done)
    {
        var deadline = DateTime.UtcNow + Propagation;
        while (true)
        {
            var result = await run();
            if (done(result) || DateTime.UtcNow > deadline)
                return result;
            await Task.Delay(100);
        }
    }
}
