using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Mesh.Cli.Commands;
using Mesh.Cli.Connection;
using Mesh.Cli.Output;
using Mesh.Cli.Tests.Fakes;

namespace Mesh.Cli.Tests.EndToEnd;

/// <summary>Every admin endpoint family through the real CLI against the real silo (a `mesh silo` child process): what
/// the CLI prints is compared with what the silo answers the same request directly over HTTP, so a field the two sides
/// name differently, or one the CLI drops or misreads, shows up here.</summary>
[Trait("Category", "E2E")]
public sealed class AdminContractEndToEndTests : RealSiloTestBase
{
    private static readonly TimeSpan Propagation = TimeSpan.FromSeconds(20);

    private static readonly string Manifest = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "testdata", "books-split.yaml"));

    [Fact]
    public async Task ResourcesAndDescribe_ApplyGetListDescribeDelete_CliShowsTheSilosValues()
    {
        Cli.Stdin = Manifest;
        var dryRun = await Cli.RunAsync("apply", "-f", "-", "--dry-run", "-o", "json");
        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        var siloDryRun = await SiloAsync(HttpMethod.Post, "/api/v1/apply?dryRun=true", Manifest);
        Assert.True(JsonNode.DeepEquals(siloDryRun["results"], JsonNode.Parse(dryRun.Out)), $"{dryRun.Out}\n{siloDryRun}");

        var applied = await Cli.RunAsync("apply", "-f", "-");
        Assert.True(applied.ExitCode == 0, applied.ToString());
        Assert.Equal(siloDryRun["results"]!.AsArray().Select(r => $"{((string)r!["kind"]!).ToLowerInvariant()}/{r["name"]} {r["action"]}"),
            TableText.Lines(applied.Out));

        var services = await Cli.RunAsync("get", "services", "-o", "json");
        Assert.True(JsonNode.DeepEquals((await SiloAsync(HttpMethod.Get, "/api/v1/resources/services?namespace=default"))["items"], JsonNode.Parse(services.Out)));
        var one = await Cli.RunAsync("get", "service", "books", "-o", "json");
        Assert.True(JsonNode.DeepEquals(await SiloAsync(HttpMethod.Get, "/api/v1/resources/services/default/books"), JsonNode.Parse(one.Out)));

        // The views are derived asynchronously: wait until both endpoints and the route are in, then compare.
        var deadline = DateTime.UtcNow + Propagation;
        CliResult described;
        while (true)
        {
            described = await Cli.RunAsync("describe", "service", "books", "-o", "json");
            var view = JsonNode.Parse(described.Out);
            if (view?["endpoints"]?["value"]?["endpoints"]?.AsArray().Count == 2 && view["profile"]?["value"]?["routes"]?.AsArray().Count == 1) break;
            Assert.True(DateTime.UtcNow < deadline, $"views not derived in time: {described}");
            await Task.Delay(100);
        }
        var silo = await SiloAsync(HttpMethod.Get, "/api/v1/services/default/books");
        Assert.True(JsonNode.DeepEquals(silo, JsonNode.Parse(described.Out)), $"{described.Out}\n{silo}");

        var text = (await Cli.RunAsync("describe", "service", "books")).Out;
        Assert.Contains($"Versions:        service {silo["service"]!["version"]}, endpoints {silo["endpoints"]!["version"]}, profile {silo["profile"]!["version"]}", text);
        foreach (var endpoint in silo["endpoints"]!["value"]!["endpoints"]!.AsArray())
            Assert.Matches($@"{endpoint!["address"]}:7001\s+{endpoint["workload"]}\s+{Escape((string?)endpoint["identity"] ?? "(unmeshed)")}\s+{endpoint["ready"]!.ToJsonString()}", text);
        var route = silo["profile"]!["value"]!["routes"]![0]!;
        Assert.Equal("prefix", (string?)route["matches"]![0]!["path"]!["kind"]);
        Assert.Matches($@"{Escape((string)route["name"]!)}\s+8080\s+PathPrefix /api header x-canary=1\s+books-v1\.default:8080 \(weight 90, 90%\), books-v2\.default:8080 \(weight 10, 10%\)", text);
        var retry = silo["profile"]!["value"]!["retry"]!;
        Assert.Contains($"Retry:           on {string.Join(",", retry["conditions"]!.AsArray().Select(c => (string?)c))}, limit {retry["limit"]}", text);
        Assert.Contains($"Timeouts:        request {Durations.Human((string?)silo["profile"]!["value"]!["timeouts"]!["request"])}", text);

        var deleted = await Cli.RunAsync("delete", "workload", "books-2");
        Assert.Equal(["workload/books-2 deleted"], TableText.Lines(deleted.Out));
        Assert.Equal(HttpStatusCode.NotFound, await SiloStatusAsync("/api/v1/resources/workloads/default/books-2"));
        var gone = await Cli.RunAsync("delete", "workload", "books-2");
        Assert.Equal(1, gone.ExitCode);
    }

    [Fact]
    public async Task InfoHealthIdentity_VersionCheckIdentityVerbs_CliShowsTheSilosValues()
    {
        var version = await Cli.RunAsync("version", "-o", "json");
        Assert.True(version.ExitCode == 0, version.ToString());
        var info = await SiloAsync(HttpMethod.Get, "/api/v1/info");
        var server = JsonNode.Parse(version.Out)!["server"]!.AsObject();
        Assert.Equal(info.AsObject().Select(p => p.Key), server.Select(p => p.Key));
        foreach (var field in new[] { "version", "trustDomain", "clusterId", "siloAddress", "storage" })
            Assert.Equal((string?)info[field], (string?)server[field]);
        var versionText = (await Cli.RunAsync("version")).Out;
        Assert.Contains($"Server version: {info["version"]}", versionText);
        Assert.Contains($"  silo {info["siloAddress"]}, cluster {info["clusterId"]}, trust domain {info["trustDomain"]}, storage {info["storage"]}, up ", versionText);

        var check = await Cli.RunAsync("check", "-o", "json");
        Assert.True(check.ExitCode == 0, check.ToString());
        var checks = JsonNode.Parse(check.Out)!["checks"]!.AsArray();
        var healthy = checks.Single(c => (string?)c!["name"] == "silo and storage are healthy")!;
        Assert.Equal("ok", (string?)healthy["status"]);
        Assert.Equal((string?)info["storage"], (string?)healthy["detail"]);

        var token = await Cli.RunAsync("identity", "token", "default/books");
        Assert.True(token.ExitCode == 0, token.ToString());
        Assert.Contains($"token for spiffe://{info["trustDomain"]}/ns/default/sa/books", token.Err);

        var ids = await SiloAsync(HttpMethod.Get, "/api/v1/identities");
        var list = await Cli.RunAsync("identity", "list", "-o", "json");
        Assert.True(JsonNode.DeepEquals(Stable(ids), Stable(JsonNode.Parse(list.Out)!)), $"{list.Out}\n{ids}");
        var listText = (await Cli.RunAsync("identity", "list")).Out;
        Assert.Contains($"Trust domain:  {ids["trustDomain"]}", listText);
        Assert.Contains($"serial {ids["issuer"]!["serial"]}, not after {IdentityListCommand.Timestamp(ids["issuer"]!["notAfter"]!.GetValue<DateTime>())}", listText);

        var rotated = await Cli.RunAsync("identity", "rotate-issuer");
        Assert.True(rotated.ExitCode == 0, rotated.ToString());
        var issuer = (await SiloAsync(HttpMethod.Get, "/api/v1/identities"))["issuer"]!;
        Assert.NotEqual((string?)ids["issuer"]!["serial"], (string?)issuer["serial"]);
        Assert.Contains($"  serial:     {issuer["serial"]}", rotated.Out);
        Assert.Contains($"  subject:    {issuer["subject"]}", rotated.Out);
        Assert.Contains($"({issuer["daysLeft"]} days left)", rotated.Out);
    }

    [Fact]
    public async Task StatsAndProxies_StatEdgesRoutesTopCheck_CliShowsTheSilosValues()
    {
        foreach (var (args, path) in new (string[], string)[]
                 {
                     (["stat", "-A", "-o", "json"], "/api/v1/stats/services?window=1m"),
                     (["edges", "-o", "json"], "/api/v1/stats/edges?window=1m"),
                     (["top", "--once", "-o", "json"], "/api/v1/stats/top?window=10s"),
                 })
        {
            var result = await Cli.RunAsync(args);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.True(JsonNode.DeepEquals(await SiloAsync(HttpMethod.Get, path), JsonNode.Parse(result.Out)), $"{string.Join(' ', args)}: {result.Out}");
        }

        // No traffic yet: the silo's own 404 text reaches the user.
        var routes = await Cli.RunAsync("routes", "books");
        Assert.Equal(1, routes.ExitCode);
        Assert.Equal(HttpStatusCode.NotFound, await SiloStatusAsync("/api/v1/stats/routes/default/books"));
        Assert.Contains("error: service default/books has no stats yet", routes.Err);

        var proxies = await SiloAsync(HttpMethod.Get, "/api/v1/proxies");
        var check = await Cli.RunAsync("check", "-o", "json");
        var proxyCheck = JsonNode.Parse(check.Out)!["checks"]!.AsArray().Single(c => (string?)c!["category"] == "proxies")!;
        Assert.Empty(proxies.AsArray());
        Assert.Equal("no proxies have reported yet", (string?)proxyCheck["detail"]);
    }

    private static string Escape(string text) => System.Text.RegularExpressions.Regex.Escape(text);

    /// <summary>An identities answer without the values that move with the clock between two reads.</summary>
    private static JsonNode Stable(JsonNode ids)
    {
        var copy = ids.DeepClone();
        foreach (var cert in copy["anchors"]!.AsArray().Append(copy["issuer"]))
            cert!.AsObject().Remove("daysLeft");
        foreach (var cert in copy["certificates"]!.AsArray())
            cert!.AsObject().Remove("hoursLeft");
        return copy;
    }

    /// <summary>The same request straight to the silo the CLI found (address and token from the data dir).</summary>
    private async Task<JsonNode> SiloAsync(HttpMethod method, string path, string? yaml = null)
    {
        using var http = SiloHttp();
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (yaml is not null)
            request.Content = new StringContent(yaml, Encoding.UTF8, "application/yaml");
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    private async Task<HttpStatusCode> SiloStatusAsync(string path)
    {
        using var http = SiloHttp();
        using var response = await http.GetAsync(path.TrimStart('/'));
        return response.StatusCode;
    }

    private HttpClient SiloHttp()
    {
        var context = new CliContext(new ConsoleOutput(TextWriter.Null, TextWriter.Null, false, false, true),
            name => Cli.Environment.GetValueOrDefault(name), Cli.DataDirectory, new StringReader(""));
        var connection = SiloConnection.Resolve(context);
        var http = new HttpClient { BaseAddress = connection.Admin, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", connection.Token);
        return http;
    }
}
