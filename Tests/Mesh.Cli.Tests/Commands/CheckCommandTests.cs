using System.Globalization;
using System.Text.Json.Nodes;
using Mesh.Cli.Tests.Fakes;

namespace Mesh.Cli.Tests.Commands;

public sealed class CheckCommandTests : FakeSiloTestBase
{
    /// <summary>A healthy silo with one healthy proxy; each test breaks one thing.</summary>
    private void Healthy(string? proxies = null)
    {
        Admin.Respond("GET", "/healthz", 200, "ok", "text/plain");
        Admin.Respond("GET", "/api/v1/info", 200, StatsSamples.Info);
        Admin.Respond("GET", "/api/v1/identities", 200, StatsSamples.Identities());
        Admin.Respond("GET", "/api/v1/proxies", 200, proxies ?? $"[{StatsSamples.Proxy()}]");
        HoldsWeb(true);
    }

    /// <summary>What the silo holds: the sample proxy's workload and service (default/web-1, default/web), or nothing.</summary>
    private void HoldsWeb(bool holds)
    {
        Admin.Respond("GET", "/api/v1/resources/workloads", 200, holds
            ? Samples.List("""{"kind":"Workload","metadata":{"name":"web-1","namespace":"default"}}""") : Samples.List());
        Admin.Respond("GET", "/api/v1/resources/services", 200, holds
            ? Samples.List("""{"kind":"Service","metadata":{"name":"web","namespace":"default"}}""") : Samples.List());
    }

    [Fact]
    public async Task Check_SiloLostItsState_FailsForEachLiveProxyWithTheFix()
    {
        Healthy();
        HoldsWeb(false);

        var result = await Cli.RunAsync("check");

        Assert.Equal(1, result.ExitCode);
        var lines = TableText.Lines(result.Out);
        Assert.Contains("× proxy web-1 (default/web-1) serves what the silo holds (the silo does not hold workload default/web-1, service default/web)", lines);
        Assert.Contains(lines, l => l.Contains("fix: the silo keeps state in memory (--ephemeral) and lost it", StringComparison.Ordinal));
        Assert.DoesNotContain("all checks passed", result.Out);
    }

    [Fact]
    public async Task Check_StaleProxyOnly_NotComparedAgainstTheSilo()
    {
        // A proxy that stopped reporting is already a failure of its own; it does not count as serving anything.
        Healthy(proxies: $"[{StatsSamples.Proxy(lastReportAgeMs: 120_000)}]");
        HoldsWeb(false);

        var result = await Cli.RunAsync("check");

        Assert.Contains("√ proxies serve what the silo holds (no live proxy to compare)", TableText.Lines(result.Out));
    }

    [Fact]
    public async Task Check_AllHealthy_PassesEveryCheck()
    {
        Healthy();

        var result = await Cli.RunAsync("check");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = TableText.Lines(result.Out);
        Assert.Equal("mesh-silo", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("√ silo is reachable (http://127.0.0.1:", StringComparison.Ordinal));
        Assert.Contains("√ silo and storage are healthy (memory: --ephemeral, every resource is lost when the silo stops)", lines);
        Assert.Contains("√ proxy web-1 (default/web-1) serves what the silo holds", lines);
        Assert.Contains(lines, l => l.StartsWith("√ clocks of this machine and the silo agree (skew ", StringComparison.Ordinal));
        Assert.Contains("√ trust anchor is valid (3650 days left)", lines);
        Assert.Contains("√ issuer is valid (364 days left)", lines);
        Assert.Contains(lines, l => l.StartsWith("√ proxy web-1 (spiffe://cluster.local/ns/default/sa/web) is connected and certified", StringComparison.Ordinal));
        Assert.Contains("√ proxy web-1 clock agrees with the silo (skew 0 s, allowance 20 s)", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith('×') || l.StartsWith('‼'));
        Assert.Equal("Status check results: √ all checks passed", lines[^1]);
    }

    [Fact]
    public async Task Check_Proxies_NamedByWorkloadNotHostPid()
    {
        Healthy($"[{StatsSamples.Proxy(id: "myhost-1")},{StatsSamples.Proxy(id: "myhost-2")},{StatsSamples.Proxy(id: "gw-7", workload: "")},{StatsSamples.Proxy(id: "myhost-3", workload: "books-1")}]");

        var result = await Cli.RunAsync("check");

        var lines = TableText.Lines(result.Out);
        Assert.Contains(lines, l => l.StartsWith("√ proxy books-1 (spiffe://", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("√ proxy web-1 [myhost-1] (spiffe://", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("√ proxy web-1 [myhost-2] (spiffe://", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("√ proxy gw-7 (spiffe://", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("proxy myhost-3", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Check_NoProxies_Passes()
    {
        Healthy(proxies: "[]");

        var result = await Cli.RunAsync("check");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("√ proxies are connected and certified (no proxies have reported yet)", result.Out);
    }

    [Fact]
    public async Task Check_SiloDown_Exit2WithFix()
    {
        Cli.Environment["MESH_ADMIN_ADDR"] = ClosedAddress();

        var result = await Cli.RunAsync("check");

        Assert.Equal(2, result.ExitCode);
        Assert.Matches(@"× silo is reachable \(http://127\.0\.0\.1:\d+: connection refused\)", result.Out);
        Assert.Contains("fix: start it with: ./mesh silo", result.Out);
        Assert.Contains("1 check failed", result.Out);
    }

    [Fact]
    public async Task Check_StorageDown_FailsWithRedisFix()
    {
        Healthy();
        Admin.Respond("GET", "/healthz", 503, "redis 127.0.0.1:6379 unreachable: It was not possible to connect", "text/plain");
        Admin.Respond("GET", "/api/v1/info", 200, StatsSamples.Info.Replace("\"memory\"", "\"redis\""));

        var result = await Cli.RunAsync("check");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("× silo and storage are healthy (redis: redis 127.0.0.1:6379 unreachable", result.Out);
        Assert.Contains("fix: start Redis (redis-server)", result.Out);
    }

    [Fact]
    public async Task Check_SiloNotActive_FailsWithWaitFix()
    {
        Healthy();
        Admin.Respond("GET", "/healthz", 503, "silo is Joining", "text/plain");

        var result = await Cli.RunAsync("check");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("× silo and storage are healthy (memory: silo is Joining)", result.Out);
        Assert.Contains("fix: the silo is not active in its cluster", result.Out);
    }

    [Fact]
    public async Task Check_SiloClockFarOff_FailsWithNtpFix()
    {
        Healthy();
        Admin.ResponseHeaders["Date"] = DateTimeOffset.UtcNow.AddMinutes(-5).ToString("r", CultureInfo.InvariantCulture);

        var result = await Cli.RunAsync("check");

        Assert.Equal(1, result.ExitCode);
        Assert.Matches(@"× clocks of this machine and the silo agree \(skew (29\d|30\d)(\.\d)? s, allowance 20 s\)", result.Out);
        Assert.Contains("fix: synchronise both clocks with NTP", result.Out);
    }

    [Theory]
    [InlineData(0, 0.2, "Ok", "skew 0 s")]
    [InlineData(-0.5, 0.1, "Ok", "skew 0 s")]
    [InlineData(25, 25.3, "Fail", "skew 24 s")]
    [InlineData(-21.5, -21.4, "Fail", "skew -21.4 s")]
    [InlineData(-20.1, -19.9, "Ok", "skew -19.9 s")]
    public void Skew_SentAndReceivedAroundTheSilosDate_SmallestPossibleSkew(double sentOffset, double receivedOffset, string status, string text)
    {
        var date = new DateTimeOffset(2026, 11, 25, 2, 0, 0, TimeSpan.Zero);

        var result = Mesh.Cli.Commands.CheckCommand.Skew(date, date.AddSeconds(sentOffset), date.AddSeconds(receivedOffset));

        Assert.Equal(status, result.Status.ToString());
        Assert.StartsWith(text + ",", result.Detail);
    }

    [Fact]
    public async Task Check_AnchorExpired_Fails()
    {
        Healthy();
        Admin.Respond("GET", "/api/v1/identities", 200, StatsSamples.Identities(anchorDaysLeft: -1));

        var result = await Cli.RunAsync("check");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("× trust anchor is valid (CN=mesh trust anchor cluster.local expired 2036-11-23T00:00:00Z)", result.Out);
        Assert.Contains("fix: create a new CA (mesh identity init --force)", result.Out);
    }

    [Fact]
    public async Task Check_AnchorAndIssuerSoon_WarnButPass()
    {
        Healthy();
        Admin.Respond("GET", "/api/v1/identities", 200, StatsSamples.Identities(anchorDaysLeft: 80, issuerDaysLeft: 29));

        var result = await Cli.RunAsync("check");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("‼ trust anchor is valid (CN=mesh trust anchor cluster.local expires in 80 days (warning below 90))", result.Out);
        Assert.Contains("‼ issuer is valid (CN=mesh issuer cluster.local expires in 29 days (warning below 30))", result.Out);
        Assert.Contains("fix: rotate it: mesh identity rotate-issuer", result.Out);
        Assert.Contains("all checks passed, 2 warnings", result.Out);
    }

    [Fact]
    public async Task Check_IssuerExpired_FailsWithRotateFix()
    {
        Healthy();
        Admin.Respond("GET", "/api/v1/identities", 200, StatsSamples.Identities(issuerDaysLeft: -2));

        var result = await Cli.RunAsync("check");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("× issuer is valid (CN=mesh issuer cluster.local expired 2027-11-25T00:00:00Z)", result.Out);
        Assert.Contains("fix: rotate it: mesh identity rotate-issuer", result.Out);
    }

    [Theory]
    [InlineData("disconnected", "not connected to discovery", "check that the proxy reaches the silo's control port")]
    [InlineData("no-cert", "no workload certificate", "MESH_PROXY_TOKEN=$(mesh identity token <ns>/<sa>)")]
    [InlineData("expired-cert", "workload certificate expired 1 h ago", "the proxy failed to renew")]
    [InlineData("late", "last report 45 s ago (limit 30 s)", "is the proxy still running?")]
    public async Task Check_ProxyUnhealthy_FailsWithFix(string problem, string detail, string fix)
    {
        var proxy = problem switch
        {
            "disconnected" => StatsSamples.Proxy(discoveryConnected: false),
            "no-cert" => StatsSamples.Proxy(certRemainingSeconds: null),
            "expired-cert" => StatsSamples.Proxy(certRemainingSeconds: -3600),
            _ => StatsSamples.Proxy(lastReportAgeMs: 45_000),
        };
        Healthy($"[{proxy}]");

        var result = await Cli.RunAsync("check");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"× proxy web-1 (spiffe://cluster.local/ns/default/sa/web) is connected and certified ({detail})", result.Out);
        Assert.Contains(fix, result.Out);
    }

    [Fact]
    public async Task Check_ProxyClockSkewed_Fails()
    {
        Healthy($"[{StatsSamples.Proxy(clockSkewMs: -25_000)}]");

        var result = await Cli.RunAsync("check");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("× proxy web-1 clock agrees with the silo (skew -25 s, allowance 20 s)", result.Out);
        Assert.Contains("fix: synchronise the proxy host's clock with NTP", result.Out);
    }

    [Fact]
    public async Task Check_SiloReportsAProblemTheCliDoesNotCheck_ShowsItsText()
    {
        Healthy($$"""[{{StatsSamples.Proxy(problems: """["no stats report for 16 s (expected every 5 s); is the proxy running and able to reach the silo?"]""")}}]""");

        var result = await Cli.RunAsync("check");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("(no stats report for 16 s (expected every 5 s))", result.Out);
        Assert.Contains("fix: is the proxy running and able to reach the silo?", result.Out);
    }

    [Fact]
    public async Task Check_SiloWithoutProxiesApi_Warns()
    {
        Healthy();
        Admin.RespondProblem("GET", "/api/v1/proxies", 404, """{"title":"Not Found","status":404}""");

        var result = await Cli.RunAsync("check");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("‼ proxy status is available (this silo does not serve /api/v1/proxies)", result.Out);
    }

    [Fact]
    public async Task Check_Json_ListsEveryCheckWithStatusAndFix()
    {
        Healthy($"[{StatsSamples.Proxy(discoveryConnected: false)}]");

        var result = await Cli.RunAsync("check", "-o", "json");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Err);
        var json = JsonNode.Parse(result.Out)!;
        Assert.False(json["ok"]!.GetValue<bool>());
        var checks = json["checks"]!.AsArray();
        Assert.Equal(8, checks.Count);
        var failed = Assert.Single(checks, c => c!["status"]!.GetValue<string>() == "fail")!;
        Assert.Equal("proxies", failed["category"]!.GetValue<string>());
        Assert.Contains("control port", failed["fix"]!.GetValue<string>());
    }

    [Fact]
    public async Task Check_JsonSiloDown_Exit2WithJson()
    {
        Cli.Environment["MESH_ADMIN_ADDR"] = ClosedAddress();

        var result = await Cli.RunAsync("check", "-o", "json");

        Assert.Equal(2, result.ExitCode);
        var check = Assert.Single(JsonNode.Parse(result.Out)!["checks"]!.AsArray())!;
        Assert.Equal("fail", check["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Check_ProxyServesAnOlderVersionPastTheGrace_FailsWithRestartFix()
    {
        Healthy(proxies: $"[{StatsSamples.Proxy(lastReportAgeMs: 0, served: $"[{StatsSamples.Served(endpoints: 3)}]")}]");
        Admin.Respond("GET", "/api/v1/services/default/books", 200, StatsSamples.ServiceViews(endpoints: 5, profile: 2));
        Cli.Environment["MESH_CHECK_VERSION_GRACE"] = "0s";

        var result = await Cli.RunAsync("check");

        Assert.Equal(1, result.ExitCode);
        var lines = TableText.Lines(result.Out);
        Assert.Contains("× proxy web-1 (default/web-1) serves what the silo holds (proxy web-1 serves books.default:8080 endpoints v3, " +
                        "the silo holds v5 (for more than 0 s): its discovery watch is stuck)", lines);
        Assert.Contains(lines, l => l.Contains("fix: restart proxy web-1 (mesh run / mesh proxy)", StringComparison.Ordinal));
        // The lagging proxy was asked again (a report after the silo's read) before being called stuck.
        Assert.True(Admin.Requests.Count(r => r.PathAndQuery == "/api/v1/proxies") >= 3, string.Join("\n", Admin.Requests.Select(r => r.PathAndQuery)));
    }

    [Fact]
    public async Task Check_ProxyServesANewerVersionThanTheSilo_FailsAsLostState()
    {
        Healthy(proxies: $"[{StatsSamples.Proxy(served: $"[{StatsSamples.Served(endpoints: 9, profile: 2)}]")}]");
        Admin.Respond("GET", "/api/v1/services/default/books", 200, StatsSamples.ServiceViews(endpoints: 1, profile: 2));

        var result = await Cli.RunAsync("check");

        Assert.Equal(1, result.ExitCode);
        var lines = TableText.Lines(result.Out);
        Assert.Contains("× proxy web-1 (default/web-1) serves what the silo holds (the silo lost state: proxy web-1 serves books.default:8080 " +
                        "endpoints v9, the silo holds only v1)", lines);
        Assert.Contains(lines, l => l.Contains("fix: the silo keeps state in memory (--ephemeral) and lost it", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Check_ProxyServesTheSilosVersions_Passes()
    {
        Healthy(proxies: $"[{StatsSamples.Proxy(served: $"[{StatsSamples.Served(endpoints: 5, profile: 2)}]")}]");
        Admin.Respond("GET", "/api/v1/services/default/books", 200, StatsSamples.ServiceViews(endpoints: 5, profile: 2));

        var result = await Cli.RunAsync("check");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("√ proxy web-1 (default/web-1) serves what the silo holds (1 service)", TableText.Lines(result.Out));
    }

    [Fact]
    public async Task Check_SiloLostBothTheWorkloadAndAServiceAProxyCalls_OneLineForTheProxy()
    {
        Healthy(proxies: $"[{StatsSamples.Proxy(lastReportAgeMs: 0, served: $"[{StatsSamples.Served()}]")}]");
        HoldsWeb(false);
        Cli.Environment["MESH_CHECK_VERSION_GRACE"] = "0s";

        var result = await Cli.RunAsync("check");

        var lines = TableText.Lines(result.Out).Where(l => l.StartsWith("× proxy web-1 (default/web-1) serves", StringComparison.Ordinal)).ToList();
        Assert.Equal("× proxy web-1 (default/web-1) serves what the silo holds (the silo does not hold workload default/web-1, service default/web; " +
                     "the silo lost state: proxy web-1 serves books.default:8080, which the silo does not know)", Assert.Single(lines));
    }
}
