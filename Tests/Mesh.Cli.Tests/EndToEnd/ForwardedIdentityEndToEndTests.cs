using System.Net;
using System.Text.RegularExpressions;
using Mesh.Cli.Local;
using Mesh.Cli.Tests.Fakes;
using Mesh.Identity.Ca;

using static Mesh.Cli.Tests.EndToEnd.EndToEndSupport;

namespace Mesh.Cli.Tests.EndToEnd;

/// <summary>Identity across clusters, all real processes: two `mesh silo`s (east.mesh and west.mesh under one trust
/// anchor, an issuer each), west's books behind `mesh run`, west's gateway (`mesh-proxy gateway`), a Link on east from
/// west's `link-gen`, east's client sidecar. West's books admits only an AuthorizationPolicy naming east's client
/// identity, on a Server that trusts the gateway: east's client reaches it through books-west and the gateway (which
/// the policy does not name), and loses it when the policy names someone else.</summary>
[Trait("Category", "E2E")]
public sealed class ForwardedIdentityEndToEndTests : IAsyncLifetime
{
    private const string GatewayIdentity = "spiffe://west.mesh/ns/mesh/sa/gateway";
    private const string EastClient = "spiffe://east.mesh/ns/default/sa/client";
    private readonly TestCli _west = new(), _east = new();
    private readonly List<ChildProcess> _processes = [];
    private readonly List<RunningCli> _runs = [];
    private readonly int _booksPort = FreePort(), _gatewayPort = FreePort(), _clientOutbound = FreePort();

    public async Task InitializeAsync()
    {
        var anchor = CertificateAuthority.Create("west.mesh");
        anchor.Save(Path.Combine(_west.DataDirectory, "ca"));
        CertificateAuthority.FromAnchor(anchor.Anchor, "east.mesh").Save(Path.Combine(_east.DataDirectory, "ca"));
        foreach (var cli in new[] { _west, _east }) cli.Environment["MESH_PROXY_BIN"] = BuiltProxy.Path();
        var westControl = await StartSiloAsync("west", _west, ["--cluster-name", "west", "--trust-domain", "west.mesh", "--federation", "127.0.0.1:0",
            "--multicluster-gateway", $"127.0.0.1:{Text(_gatewayPort)}", "--multicluster-gateway-identity", GatewayIdentity]);
        await StartSiloAsync("east", _east, ["--cluster-name", "east", "--trust-domain", "east.mesh"]);

        // West: books exported, admitted only to east's client, believing what west's gateway forwards.
        await ApplyAsync(_west, $$"""
            apiVersion: v1
            kind: Service
            metadata: {name: books, labels: {mirror.mesh.io/exported: "true"} }
            spec: {selector: {app: books}, ports: [{name: http, port: {{Text(_booksPort)}} }]}
            ---
            apiVersion: policy.mesh.io/v1alpha1
            kind: Server
            metadata: {name: books-http}
            spec: {podSelector: {matchLabels: {app: books} }, port: {{Text(_booksPort)}}, trustedGateways: ["{{GatewayIdentity}}"]}
            ---
            apiVersion: policy.mesh.io/v1alpha1
            kind: AuthorizationPolicy
            metadata: {name: books-from-east}
            spec:
              targetRef: {group: policy.mesh.io, kind: Server, name: books-http}
              requiredAuthenticationRefs: [{group: policy.mesh.io, kind: MeshTLSAuthentication, name: from-east}]
            """ + "\n---\n" + FromEast(EastClient));
        var root = Path.GetDirectoryName(_west.WriteFile("books-root/who", "books"))!;
        var books = Run(_west, "run", "books", "--port", Text(_booksPort), "--", "python3", "-m", "http.server", Text(_booksPort), "--bind", "127.0.0.1", "--directory", root);
        var token = await _west.RunAsync("identity", "token", "mesh/gateway");
        Assert.True(token.ExitCode == 0, token.ToString());
        var gateway = ChildProcess.Start("west/gateway", BuiltProxy.Path(),
            ["gateway", "--namespace", "mesh", "--service-account", "gateway", "--workload", "gateway",
                "--inbound-addr", $"127.0.0.1:{Text(_gatewayPort)}", "--outbound-addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0",
                "--control-addr", westControl, "--trust-anchors", Path.Combine(_west.DataDirectory, "trust-anchors.pem"), "--trust-domain", "west.mesh"],
            new Dictionary<string, string?> { ["MESH_PROXY_TOKEN"] = token.Out.Trim() });
        _processes.Add(gateway);
        await gateway.WaitForLineAsync(new Regex("^mesh-proxy: ready"), TimeSpan.FromSeconds(60));
        var allow = await _west.RunAsync("multicluster", "allow", "spiffe://east.mesh/ns/mesh/sa/silo");
        Assert.True(allow.ExitCode == 0, allow.ToString());

        // East: a namespace of its own (mirrors go only where the cluster has resources), the Link, the client sidecar.
        await ApplyAsync(_east, """
            apiVersion: v1
            kind: Service
            metadata: {name: client}
            spec: {selector: {app: client}, ports: [{name: http, port: 7100}]}
            """);
        var link = await _west.RunAsync("multicluster", "link-gen");
        Assert.True(link.ExitCode == 0, link.ToString());
        await ApplyAsync(_east, link.Out);
        var client = Run(_east, "run", "client", "--port", Text(FreePort()), "--outbound-port", Text(_clientOutbound));
        await UntilAsync(() => Task.FromResult(new[] { books, client }.All(p => p.Err.Contains("Ctrl-C stops it"))),
            () => $"books and client sidecars ready\n{books.Err}\n{client.Err}");
    }

    private static string FromEast(string identity) => $$"""
        apiVersion: policy.mesh.io/v1alpha1
        kind: MeshTLSAuthentication
        metadata: {name: from-east}
        spec: {identities: ["{{identity}}"]}
        """;

    [Fact]
    public async Task EastClientThroughWestsGateway_WestPolicyNamingTheEastIdentity_AllowsItAndOnlyIt()
    {
        // The gateway is the mTLS peer of books' sidecar, and no policy names it: a 200 means west authorized east's client.
        string? last = null;
        await UntilAsync(async () => (last = await CallBooksWestAsync()) == "200 books", () => $"east's client admitted by west's books; last: {last}");

        // West's policy names another east identity: the same call, forwarded by the same gateway, is refused.
        await ApplyAsync(_west, FromEast("spiffe://east.mesh/ns/default/sa/someone-else"));
        await UntilAsync(async () => (last = await CallBooksWestAsync()).StartsWith("403", StringComparison.Ordinal),
            () => $"east's client refused once west's policy names someone else; last: {last}");
        Assert.Contains($"{EastClient} (forwarded by gateway {GatewayIdentity})", last);
    }

    /// <summary>East's client app calling books-west through its sidecar's outbound: "status body".</summary>
    private async Task<string> CallBooksWestAsync()
    {
        using var http = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy($"http://127.0.0.1:{Text(_clientOutbound)}"), UseProxy = true })
        { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            var r = await http.GetAsync($"http://books-west.default.svc.cluster.local:{Text(_booksPort)}/who");
            return $"{(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}";
        }
        catch (HttpRequestException e) { return e.Message; }
        catch (TaskCanceledException) { return "timeout"; }
    }

    private async Task<string> StartSiloAsync(string name, TestCli cli, string[] extra)
    {
        var mesh = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "mesh.exe" : "mesh");
        var silo = ChildProcess.Start(name, mesh,
            ["silo", "--admin-addr", "127.0.0.1:0", "--control-addr", "127.0.0.1:0", "--data-dir", cli.DataDirectory, .. extra],
            new Dictionary<string, string?> { ["MESH_ADMIN_ADDR"] = null, ["MESH_CONTROL_ADDR"] = null, ["MESH_TOKEN"] = null, ["MESH_REDIS"] = null });
        _processes.Add(silo);
        var control = await silo.WaitForLineAsync(new Regex(@"mesh-silo: control (\S+)"), TimeSpan.FromSeconds(60));
        await silo.WaitForLineAsync(new Regex("mesh-silo: ready"), TimeSpan.FromSeconds(60));
        return control.Groups[1].Value.TrimEnd('/');
    }

    private static async Task ApplyAsync(TestCli cli, string yaml)
    {
        cli.Stdin = yaml;
        var applied = await cli.RunAsync("apply", "-f", "-");
        Assert.True(applied.ExitCode == 0, applied.ToString());
    }

    private RunningCli Run(TestCli cli, params string[] args)
    {
        var run = cli.Start(args);
        _runs.Add(run);
        return run;
    }

    public async Task DisposeAsync()
    {
        for (var i = _runs.Count - 1; i >= 0; i--) await _runs[i].StopAsync();
        for (var i = _processes.Count - 1; i >= 0; i--) await _processes[i].DisposeAsync();
        _east.Dispose();
        _west.Dispose();
    }
}
