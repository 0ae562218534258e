using System.Text.Json.Nodes;
using Mesh.Api.V1;
using Mesh.Cli.Tests.Fakes;

namespace Mesh.Cli.Tests.Commands;

public sealed class DiagnosticsEndpointsCommandTests : FakeSiloTestBase
{
    private const string Authority = "books.default.svc.cluster.local:8080";

    private static Endpoint Books(int n, uint weight = 1) => new()
    {
        Key = $"127.0.0.1{n}:7001", Address = $"127.0.0.1{n}", Port = 7001, Weight = weight, Workload = $"books-{n}",
        Identity = n == 2 ? "" : "spiffe://cluster.local/ns/default/sa/books", Ready = true, ProxyPort = 4143,
    };

    private static ServiceUpdate Snapshot(ulong version, params Endpoint[] endpoints)
    {
        var snapshot = new ServiceSnapshot { Exists = true, Authority = Authority, Name = "books", Namespace = "default", Port = 8080 };
        snapshot.Endpoints.AddRange(endpoints);
        return new ServiceUpdate { Version = version, Snapshot = snapshot };
    }

    [Fact]
    public async Task Endpoints_Snapshot_PrintsTableLikeLinkerd()
    {
        Discovery.Publish(Authority, Snapshot(1, Books(2), Books(1, 3)));

        var result = await Cli.RunAsync("diagnostics", "endpoints", Authority);

        Assert.Equal(0, result.ExitCode);
        var rows = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Equal(["NAMESPACE", "IP", "PORT", "WORKLOAD", "SERVICE", "IDENTITY", "WEIGHT"], rows[0]);
        Assert.Equal(["default", "127.0.0.11", "7001", "books-1", "books.default", "spiffe://cluster.local/ns/default/sa/books", "3"], rows[1]);
        Assert.Equal(["default", "127.0.0.12", "7001", "books-2", "books.default", "-", "1"], rows[2]);
        var watch = Assert.Single(Discovery.Watches);
        Assert.Equal("default", watch.ContextNamespace);
        Assert.StartsWith("mesh-cli/", watch.ProxyId);
    }

    [Fact]
    public async Task Endpoints_ShortAuthorityWithNamespace_SendsContextNamespace()
    {
        Discovery.Publish("books:8080", Snapshot(1, Books(1)));

        var result = await Cli.RunAsync("diag", "ep", "books:8080", "-n", "shop");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("shop", Assert.Single(Discovery.Watches).ContextNamespace);
    }

    [Fact]
    public async Task Endpoints_Json_WritesTheSnapshot()
    {
        Discovery.Publish(Authority, Snapshot(1, Books(1)));

        var result = await Cli.RunAsync("diagnostics", "endpoints", Authority, "-o", "json");

        Assert.Equal(0, result.ExitCode);
        var snapshot = JsonNode.Parse(result.Out)!;
        Assert.True(snapshot["exists"]!.GetValue<bool>());
        Assert.Equal("127.0.0.11", snapshot["endpoints"]![0]!["address"]!.GetValue<string>());
    }

    [Fact]
    public async Task Endpoints_NoSuchService_Exits1WithHint()
    {
        var result = await Cli.RunAsync("diagnostics", "endpoints", "ghost.default.svc.cluster.local:80");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: no such service: ghost.default.svc.cluster.local:80", result.Err);
        Assert.Contains("--watch", result.Err);
        Assert.Equal("", result.Out);
    }

    [Fact]
    public async Task Endpoints_ServiceWithoutEndpoints_SaysWhyAndExits1()
    {
        Discovery.Publish(Authority, Snapshot(1));

        var result = await Cli.RunAsync("diagnostics", "endpoints", Authority);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Out);
        Assert.Contains("error: service books.default.svc.cluster.local:8080 has no endpoints: no Workload matches its selector", result.Err);
    }

    [Fact]
    public async Task Endpoints_PortTheServiceDoesNotHave_NamesThePortAndExits1()
    {
        var update = Snapshot(1);
        update.Snapshot.Problem = "service books.default has no port 80; its ports: 8080 (http)";
        Discovery.Publish("books:80", update);

        var result = await Cli.RunAsync("diagnostics", "endpoints", "books:80");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error: service books.default has no port 80; its ports: 8080 (http)", result.Err);
    }

    [Fact]
    public async Task Endpoints_NoPort_Exits1ListingTheServicesPortsWithoutWatching()
    {
        Admin.Respond("GET", "/api/v1/services/default/books", 200, $$"""{"resource":{{Samples.BooksService}}}""");

        var result = await Cli.RunAsync("diagnostics", "endpoints", "books");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error: books: no port given; endpoints are per service port (service books.default has 8080 (http))", result.Err);
        Assert.Contains("mesh diagnostics endpoints books.default:8080", result.Err);
        Assert.Empty(Discovery.Watches);
    }

    [Fact]
    public async Task Endpoints_NoPortUnknownService_Exits1SayingThereIsNone()
    {
        var result = await Cli.RunAsync("diagnostics", "endpoints", "ghost.shop.svc.cluster.local");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("there is no service ghost.shop", result.Err);
    }

    [Fact]
    public async Task Endpoints_SiloDown_Exits2()
    {
        var address = ClosedAddress();
        Cli.Environment["MESH_CONTROL_ADDR"] = "http://" + address;

        var result = await Cli.RunAsync("diagnostics", "endpoints", Authority);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"error: cannot reach the silo at http://{address} (is it running?", result.Err);
    }

    [Fact]
    public async Task EndpointsWatch_Deltas_PrintsAddedChangedAndRemovedUntilCtrlC()
    {
        Discovery.Publish(Authority, Snapshot(1, Books(1), Books(2)));
        var running = Cli.Start("diagnostics", "endpoints", Authority, "--watch");
        await running.WaitForOutputAsync(o => o.Contains("127.0.0.12"));

        var added = new EndpointList();
        added.Endpoints.Add(Books(3));
        added.Endpoints.Add(Books(1, 5));
        Discovery.Publish(Authority, new ServiceUpdate { Version = 2, Upserted = added });
        var removed = new EndpointKeys();
        removed.Keys.Add("127.0.0.12:7001");
        Discovery.Publish(Authority, new ServiceUpdate { Version = 3, Removed = removed });
        await running.WaitForOutputAsync(o => o.Contains("[v3]"));
        var result = await running.StopAsync();

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("[v2] + 127.0.0.13:7001 workload=books-3 identity=spiffe://cluster.local/ns/default/sa/books weight=1 ready=true", result.Out);
        Assert.Contains("[v2] ~ 127.0.0.11:7001 workload=books-1", result.Out);
        Assert.Contains("[v3] - 127.0.0.12:7001", result.Out);
    }

    [Fact]
    public async Task EndpointsWatch_UnknownThenCreated_WaitsThenPrintsTheSnapshot()
    {
        var running = Cli.Start("diagnostics", "endpoints", "late.default.svc.cluster.local:80", "--watch");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!running.Err.Contains("waiting for it to appear"))
        {
            Assert.True(DateTime.UtcNow < deadline, running.Err);
            await Task.Delay(20);
        }

        var snapshot = Snapshot(2, Books(1));
        snapshot.Snapshot.Authority = "late.default.svc.cluster.local:80";
        Discovery.Publish("late.default.svc.cluster.local:80", snapshot);
        await running.WaitForOutputAsync(o => o.Contains("127.0.0.11"));
        var result = await running.StopAsync();

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("[v2] snapshot: late.default.svc.cluster.local:80, 1 endpoint(s)", result.Out);
    }

    [Fact]
    public async Task EndpointsWatch_SiloEndsTheStream_ReconnectsAndPrintsTheNewSnapshot()
    {
        Discovery.Publish(Authority, Snapshot(1, Books(1)));
        var running = Cli.Start("diagnostics", "endpoints", Authority, "--watch");
        await running.WaitForOutputAsync(o => o.Contains("127.0.0.11"));

        Discovery.EndWatches(Authority);
        Discovery.Publish(Authority, Snapshot(7, Books(1), Books(2)));
        await running.WaitForOutputAsync(o => o.Contains("127.0.0.12"));
        var result = await running.StopAsync();

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("[v7] snapshot: books.default.svc.cluster.local:8080, 2 endpoint(s)", result.Out);
        Assert.Contains("the silo ended the watch; reconnecting", result.Err);
        Assert.Equal(2, Discovery.Watches.Count);
    }

    [Fact]
    public async Task EndpointsWatch_Json_WritesOneUpdatePerLine()
    {
        Discovery.Publish(Authority, Snapshot(1, Books(1)));
        var running = Cli.Start("diagnostics", "endpoints", Authority, "-w", "-o", "json");
        var removed = new EndpointKeys();
        removed.Keys.Add("127.0.0.11:7001");
        Discovery.Publish(Authority, new ServiceUpdate { Version = 2, Removed = removed });
        await running.WaitForOutputAsync(o => o.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == 2);
        var result = await running.StopAsync();

        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal("1", lines[0]["version"]!.GetValue<string>());
        Assert.NotNull(lines[0]["snapshot"]);
        Assert.Equal("127.0.0.11:7001", lines[1]["removed"]!["keys"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Endpoints_MissingAuthority_Exits1WithUsage()
    {
        var result = await Cli.RunAsync("diagnostics", "endpoints");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Usage:", result.Err);
        Assert.Empty(Discovery.Watches);
    }
}
