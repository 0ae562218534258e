using System.Text.RegularExpressions;
using Mesh.Abstractions.Resources;
using Mesh.Abstractions.Resources.Kinds;
using Mesh.Cli.Local;
using Mesh.Cli.Tests.Fakes;

namespace Mesh.Cli.Tests.EndToEnd;

/// <summary>`mesh multicluster` against a real `mesh silo` serving the federation API (cluster west): link-gen prints a
/// Link that parses and applies, naming the federation address the silo printed; allow writes a FederationPeer
/// through the catalog.</summary>
[Trait("Category", "E2E")]
public sealed class MulticlusterEndToEndTests : IAsyncLifetime
{
    private readonly TestCli _cli = new();
    private ChildProcess? _silo;
    private string _federation = "";
    private string _control = "";

    public async Task InitializeAsync()
    {
        var mesh = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "mesh.exe" : "mesh");
        _silo = ChildProcess.Start("silo", mesh,
            ["silo", "--admin-addr", "127.0.0.1:0", "--control-addr", "127.0.0.1:0", "--data-dir", _cli.DataDirectory],
            new Dictionary<string, string?>
            {
                ["MESH_ADMIN_ADDR"] = null, ["MESH_CONTROL_ADDR"] = null, ["MESH_TOKEN"] = null, ["MESH_REDIS"] = null,
                ["MESH_FEDERATION_ADDR"] = "127.0.0.1:0", ["MESH_CLUSTER_NAME"] = "west", ["MESH_TRUST_DOMAIN"] = "west.mesh",
                ["MESH_MULTICLUSTER_GATEWAY"] = "192.0.2.7:4143", ["MESH_MULTICLUSTER_GATEWAY_IDENTITY"] = "spiffe://west.mesh/ns/mesh/sa/gateway",
            });
        _control = (await _silo.WaitForLineAsync(new Regex(@"mesh-silo: control (\S+)"), TimeSpan.FromSeconds(60))).Groups[1].Value;
        _federation = (await _silo.WaitForLineAsync(new Regex(@"mesh-silo: federation https://(\S+)"), TimeSpan.FromSeconds(60))).Groups[1].Value;
        await _silo.WaitForLineAsync(new Regex("mesh-silo: ready"), TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task LinkGen_FederatingSilo_PrintsALinkThatParsesAndApplies()
    {
        var result = await _cli.RunAsync("multicluster", "link-gen");
        Assert.True(result.ExitCode == 0, result.ToString());

        var parsed = ResourceParser.Parse(result.Out);
        Assert.True(parsed.Ok, string.Join("\n", parsed.Errors) + "\n" + result.Out);
        var link = ResourceJson.Deserialize<LinkResource>(Assert.Single(parsed.Resources).CanonicalJson);
        Assert.Equal(("west", "mesh", "west"), (link.Metadata.Name, link.Metadata.Namespace, link.Spec.TargetClusterName));
        Assert.Equal(_federation, link.Spec.FederationAddress);
        Assert.Equal("spiffe://west.mesh/ns/mesh/sa/silo", link.Spec.FederationIdentity);
        Assert.Equal(("192.0.2.7", 4143, "spiffe://west.mesh/ns/mesh/sa/gateway"), (link.Spec.GatewayAddress, link.Spec.GatewayPort, link.Spec.GatewayIdentity));
        Assert.Equal(("3s", "2s", 3), (link.Spec.ProbeSpec.Period, link.Spec.ProbeSpec.Timeout, link.Spec.ProbeSpec.FailureThreshold));
        Assert.Contains("SHA-256 ", result.Out);

        // What the other side does with it: `mesh apply -f -` (here the same silo stands in for it).
        _cli.Stdin = result.Out;
        var applied = await _cli.RunAsync("apply", "-f", "-");
        Assert.True(applied.ExitCode == 0, applied.ToString());
        var listed = await _cli.RunAsync("get", "links", "-n", "mesh", "-o", "json");
        Assert.Contains("\"federationAddress\": \"" + _federation + "\"", listed.Out);
    }

    [Fact]
    public async Task LinkGen_ClusterNameOption_NamesTheLink()
    {
        var result = await _cli.RunAsync("multicluster", "link-gen", "--cluster-name", "west-2");
        Assert.True(result.ExitCode == 0, result.ToString());
        var link = ResourceJson.Deserialize<LinkResource>(Assert.Single(ResourceParser.Parse(result.Out).Resources).CanonicalJson);
        Assert.Equal(("west-2", "west-2"), (link.Metadata.Name, link.Spec.TargetClusterName));
    }

    [Fact]
    public async Task LinkGen_BadClusterName_ExitsOneSayingWhy()
    {
        var result = await _cli.RunAsync("multicluster", "link-gen", "--cluster-name", "West_2");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("not a DNS label", result.Err);
        Assert.Empty(result.Out);
    }

    [Fact]
    public async Task LinkGen_FederationAddressOption_IsWhereTheLinkDials()
    {
        var result = await _cli.RunAsync("multicluster", "link-gen", "--federation-address", "federation.west.example.com:8087");
        Assert.True(result.ExitCode == 0, result.ToString());
        var link = ResourceJson.Deserialize<LinkResource>(Assert.Single(ResourceParser.Parse(result.Out).Resources).CanonicalJson);
        Assert.Equal("federation.west.example.com:8087", link.Spec.FederationAddress);

        var bad = await _cli.RunAsync("multicluster", "link-gen", "--federation-address", "federation.west.example.com");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("--federation-address 'federation.west.example.com' is not host:port", bad.Err);
        Assert.Empty(bad.Out);
    }

    [Fact]
    public async Task Allow_Print_PrintsTheFederationPeerForKubectl_WritesNothing()
    {
        var result = await _cli.RunAsync("multicluster", "allow", "spiffe://east.mesh/ns/mesh/sa/silo", "--print");
        Assert.True(result.ExitCode == 0, result.ToString());
        var peer = Assert.Single(ResourceParser.Parse(result.Out).Resources);
        Assert.Equal(("FederationPeer", "mesh", "east-mesh-silo"), (peer.Kind, peer.Namespace, peer.Name));
        Assert.Contains("spiffe://east.mesh/ns/mesh/sa/silo", peer.CanonicalJson);
        var listed = await _cli.RunAsync("get", "federationpeers", "-n", "mesh", "-o", "json");
        Assert.DoesNotContain("east.mesh", listed.Out);
    }

    [Fact]
    public async Task Allow_Identity_WritesAFederationPeer()
    {
        var result = await _cli.RunAsync("multicluster", "allow", "spiffe://east.mesh/ns/mesh/sa/silo");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("federationpeer mesh/east-mesh-silo created", result.Out);

        var listed = await _cli.RunAsync("get", "federationpeers", "-n", "mesh", "-o", "json");
        Assert.Contains("\"identity\": \"spiffe://east.mesh/ns/mesh/sa/silo\"", listed.Out);
        var again = await _cli.RunAsync("multicluster", "allow", "spiffe://east.mesh/ns/mesh/sa/silo");
        Assert.Contains("unchanged", again.Out);
    }

    [Theory]
    [InlineData("east")]
    [InlineData("spiffe://east.mesh/silo")]
    [InlineData("*")]
    public async Task Allow_NotAnIdentity_ExitsOneWritingNothing(string identity)
    {
        var result = await _cli.RunAsync("multicluster", "allow", identity);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is not a mesh identity", result.Err);
        var listed = await _cli.RunAsync("get", "federationpeers", "-n", "mesh", "-o", "json");
        Assert.DoesNotContain(identity, listed.Out);
    }

    /// <summary>The silo links to itself (cluster west mirrors west's own exports as *-west): gateways and the Link's
    /// status show the mirror; a local Service named like a mirror is a name conflict `check` reports with its fix;
    /// deleting only the Link leaves orphans `check` reports; unlink removes exactly the link's resources.</summary>
    [Fact]
    public async Task SelfLink_GatewaysCheckAndUnlink_ReportAndRemoveExactlyTheLinksResources()
    {
        Assert.Equal(0, (await _cli.RunAsync("multicluster", "allow", "spiffe://west.mesh/ns/mesh/sa/silo")).ExitCode);
        _cli.Stdin = """
            apiVersion: v1
            kind: Service
            metadata: {name: books, namespace: shop, labels: {mirror.mesh.io/exported: "true"}}
            spec: {selector: {app: books}, ports: [{name: http, port: 8080}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: carts, namespace: shop, labels: {mirror.mesh.io/exported: "true"}}
            spec: {selector: {app: carts}, ports: [{name: http, port: 8080}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: carts-west, namespace: shop}
            spec: {selector: {app: carts}, ports: [{name: http, port: 8080}]}
            """;
        Assert.Equal(0, (await _cli.RunAsync("apply", "-f", "-")).ExitCode);
        _cli.Stdin = (await _cli.RunAsync("multicluster", "link-gen")).Out;
        Assert.Equal(0, (await _cli.RunAsync("apply", "-f", "-")).ExitCode);

        // ALIVE is the probe's (the Link's gateway 192.0.2.7 answers nothing, so it goes from yes to no): not this test's.
        var gateways = await UntilAsync(() => _cli.RunAsync("multicluster", "gateways"), r => Regex.IsMatch(r.Out, @"west\s+(yes|no)\s+1\s+-"));
        Assert.Contains("CLUSTER", gateways.Out);
        Assert.Contains("LATENCY", gateways.Out);
        var status = await _cli.RunAsync("get", "link", "west", "-n", "mesh", "-o", "yaml");
        Assert.Contains("type: FederationConnected", status.Out);
        Assert.Contains("reason: Mirrored", status.Out);
        Assert.Contains("reason: NameConflict", status.Out);

        var check = await _cli.RunAsync("multicluster", "check");
        Assert.Equal(1, check.ExitCode);
        Assert.Contains("link west: federation connected", check.Out);
        Assert.Contains("link west: shop/carts-west name conflict", check.Out);
        Assert.Contains("fix: rename or delete the local carts-west in shop", check.Out);

        // Only the Link deleted: its mirror stays, owned by a link that no longer exists.
        Assert.Equal(0, (await _cli.RunAsync("delete", "link", "west", "-n", "mesh")).ExitCode);
        var orphans = await _cli.RunAsync("multicluster", "check");
        Assert.Equal(1, orphans.ExitCode);
        Assert.Contains("orphans of link/west", orphans.Out);
        Assert.Contains("fix: mesh multicluster unlink west", orphans.Out);

        var unlink = await _cli.RunAsync("multicluster", "unlink", "west");
        Assert.True(unlink.ExitCode == 0, unlink.ToString());
        Assert.Contains("2 resource(s) of source link/west deleted", unlink.Out);
        Assert.Contains("service shop/books-west", unlink.Out);
        var services = await _cli.RunAsync("get", "services", "-n", "shop", "-o", "json");
        Assert.DoesNotContain("\"books-west\"", services.Out);
        Assert.Contains("\"carts-west\"", services.Out); // the local one, never the link's
        Assert.Equal(0, (await _cli.RunAsync("multicluster", "check")).ExitCode);
        var again = await _cli.RunAsync("multicluster", "unlink", "west");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("nothing to unlink", again.Err);
    }

    /// <summary>The silo links to itself through a real `mesh-proxy gateway` it certified as mesh/gateway: the probe
    /// (mTLS through the gateway's data port, the gateway's identity checked) makes `gateways` show it alive with a
    /// latency; the gateway killed, `gateways` shows it dead and `check` fails with the fix.</summary>
    [Fact]
    public async Task SelfLink_RealGateway_AliveWithLatency_KilledGatewayIsDeadInGatewaysAndCheck()
    {
        Assert.Equal(0, (await _cli.RunAsync("multicluster", "allow", "spiffe://west.mesh/ns/mesh/sa/silo")).ExitCode);
        _cli.Stdin = """
            apiVersion: v1
            kind: Service
            metadata: {name: books, namespace: store, labels: {mirror.mesh.io/exported: "true"}}
            spec: {selector: {app: books}, ports: [{name: http, port: 8080}]}
            ---
            apiVersion: mesh.io/v1alpha1
            kind: Workload
            metadata: {name: books-1, namespace: store, labels: {app: books}}
            spec: {serviceAccount: books, addresses: [10.9.0.1], ports: [{name: http, port: 8080}]}
            """;
        Assert.Equal(0, (await _cli.RunAsync("apply", "-f", "-")).ExitCode);
        var token = await _cli.RunAsync("identity", "token", "mesh/gateway");
        Assert.True(token.ExitCode == 0, token.ToString());
        var port = FreePort.Next();
        var gateway = ChildProcess.Start("gateway", BuiltProxy.Path(),
            ["gateway", "--namespace", "mesh", "--service-account", "gateway", "--workload", "gateway",
                "--inbound-addr", $"127.0.0.1:{port}", "--outbound-addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0",
                "--control-addr", _control.TrimEnd('/'), "--trust-anchors", Path.Combine(_cli.DataDirectory, "trust-anchors.pem"),
                "--trust-domain", "west.mesh"],
            new Dictionary<string, string?> { ["MESH_PROXY_TOKEN"] = token.Out.Trim() });
        var stopped = false;
        try
        {
            await gateway.WaitForLineAsync(new Regex("^mesh-proxy: ready"), TimeSpan.FromSeconds(60));
            _cli.Stdin = $"""
                apiVersion: multicluster.mesh.io/v1alpha1
                kind: Link
                metadata: {"{"}name: west, namespace: mesh{"}"}
                spec:
                  targetClusterName: west
                  federationAddress: "{_federation}"
                  federationIdentity: spiffe://west.mesh/ns/mesh/sa/silo
                  gatewayAddress: 127.0.0.1
                  gatewayPort: {port}
                  gatewayIdentity: spiffe://west.mesh/ns/mesh/sa/gateway
                  probeSpec: {"{"}period: 300ms, timeout: 250ms, failureThreshold: 2{"}"}
                """;
            Assert.Equal(0, (await _cli.RunAsync("apply", "-f", "-")).ExitCode);

            var alive = await UntilAsync(() => _cli.RunAsync("multicluster", "gateways"), r => Regex.IsMatch(r.Out, @"west\s+yes\s+1\s+[0-9.]+ms"));
            Assert.Equal(0, alive.ExitCode);
            var check = await _cli.RunAsync("multicluster", "check");
            Assert.True(check.ExitCode == 0, check.ToString());
            Assert.Contains("link west: gateway alive", check.Out);
            var json = await _cli.RunAsync("multicluster", "gateways", "-o", "json");
            Assert.Contains("\"gatewayAlive\"", json.Out);
            Assert.Contains("\"ProbeSucceeded\"", json.Out);

            await gateway.DisposeAsync();
            stopped = true;

            var dead = await UntilAsync(() => _cli.RunAsync("multicluster", "gateways"), r => Regex.IsMatch(r.Out, @"west\s+no\s+1\s+-"));
            Assert.Equal(0, dead.ExitCode);
            var failed = await _cli.RunAsync("multicluster", "check");
            Assert.Equal(1, failed.ExitCode);
            Assert.Contains("link west: gateway dead", failed.Out);
            Assert.Contains("ProbeFailed", failed.Out);
            Assert.Contains("listens at 127.0.0.1", failed.Out);
            var status = await _cli.RunAsync("get", "link", "west", "-n", "mesh", "-o", "yaml");
            Assert.Contains("type: GatewayAlive", status.Out);
        }
        finally
        {
            if (!stopped) await gateway.DisposeAsync();
            await _cli.RunAsync("multicluster", "unlink", "west");
        }
    }

    [Fact]
    public async Task Unlink_BadClusterName_ExitsOneSayingWhy()
    {
        var result = await _cli.RunAsync("multicluster", "unlink", "West_2");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is not a cluster name", result.Err);
    }

    /// <summary>Runs the command until its answer satisfies <paramref name="done"/> (the link grain works in the
    /// background); fails with the last answer after a minute.</summary>
    private static async Task<CliResult> UntilAsync(Func<Task<CliResult>> run, Func<CliResult, bool> done)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var result = await run();
            if (done(result)) return result;
            Assert.True(DateTime.UtcNow < until, "never satisfied; last: " + result);
            await Task.Delay(200);
        }
    }

    public async Task DisposeAsync()
    {
        if (_silo is not null) await _silo.DisposeAsync();
        _cli.Dispose();
    }
}
