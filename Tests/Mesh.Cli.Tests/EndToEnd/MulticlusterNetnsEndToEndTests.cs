using System.Globalization;
using System.Text.RegularExpressions;
using Mesh.Cli.Local;
using Mesh.Identity.Ca;

using static Mesh.Cli.Tests.EndToEnd.EndToEndSupport;

namespace Mesh.Cli.Tests.EndToEnd;

/// <summary>The network-namespace variant of the two-cluster test (issue 13): every process runs inside its cluster's
/// namespace of a <see cref="RoutedClusterNetwork"/> — west's `mesh silo` (federation on west's address), west's books
/// (python's http.server on west's address, behind `mesh run`) and west's `mesh-proxy gateway`; east's `mesh silo` with
/// the Link from west's `link-gen`, east's client sidecar. The router between them forwards only west's gateway and
/// federation ports, so whatever east reaches of west it reaches through those two. Each cluster's `mesh` commands run
/// inside its namespace too (the admin listeners are on each namespace's loopback).</summary>
[Trait("Category", "E2E")]
public sealed class MulticlusterNetnsEndToEndTests : IAsyncLifetime
{
    private const int GatewayPort = 4143, FederationPort = 8087, BooksPort = 7001, ClientOutbound = 4140;
    private const string GatewayIdentity = "spiffe://west.mesh/ns/mesh/sa/gateway";
    private static readonly string MeshBin = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "mesh.exe" : "mesh");
    private readonly string _westDir = Directory.CreateTempSubdirectory("mesh-netns-west-").FullName;
    private readonly string _eastDir = Directory.CreateTempSubdirectory("mesh-netns-east-").FullName;
    private readonly List<ChildProcess> _processes = [];
    private RoutedClusterNetwork? _network;
    private RoutedClusterNetwork Network => _network ?? throw new InvalidOperationException("the network is not built");

    public async Task InitializeAsync()
    {
        if (RoutedClusterNetwork.Unavailable is not null) return; // every fact here is skipped with the reason
        try { await StartClustersAsync(); }
        catch
        {
            await DisposeAsync(); // processes and namespaces go even when the setup fails halfway
            throw;
        }
    }

    private async Task StartClustersAsync()
    {
        _network = await RoutedClusterNetwork.CreateAsync(GatewayPort, FederationPort);
        var anchor = CertificateAuthority.Create("west.mesh");
        anchor.Save(Path.Combine(_westDir, "ca"));
        CertificateAuthority.FromAnchor(anchor.Anchor, "east.mesh").Save(Path.Combine(_eastDir, "ca"));

        var westControl = await StartSiloAsync(Network.West, _westDir, ["--cluster-name", "west", "--trust-domain", "west.mesh",
            "--federation", $"{RoutedClusterNetwork.WestIp}:{Text(FederationPort)}",
            "--multicluster-gateway", $"{RoutedClusterNetwork.WestIp}:{Text(GatewayPort)}", "--multicluster-gateway-identity", GatewayIdentity]);
        await StartSiloAsync(Network.East, _eastDir, ["--cluster-name", "east", "--trust-domain", "east.mesh"]);

        await MeshOkAsync(Network.West, _westDir, $$"""
            apiVersion: v1
            kind: Service
            metadata: {name: books, labels: {mirror.mesh.io/exported: "true"} }
            spec: {selector: {app: books}, ports: [{name: http, port: {{Text(BooksPort)}} }]}
            """, "apply", "-f", "-");
        var root = Directory.CreateDirectory(Path.Combine(_westDir, "books-root")).FullName;
        await File.WriteAllTextAsync(Path.Combine(root, "who"), "books");
        // Bound to every address: west's own address is where a pod port would be, the one east must never reach.
        var books = Start(Network.West, _westDir, "west/books", MeshBin,
            ["run", "books", "--port", Text(BooksPort), "--", "python3", "-m", "http.server", Text(BooksPort), "--bind", "0.0.0.0", "--directory", root]);
        var token = (await MeshOkAsync(Network.West, _westDir, null, "identity", "token", "mesh/gateway")).Trim();
        var gateway = Start(Network.West, _westDir, "west/gateway", BuiltProxy.Path(),
            ["gateway", "--namespace", "mesh", "--service-account", "gateway", "--workload", "gateway",
                "--inbound-addr", $"{RoutedClusterNetwork.WestIp}:{Text(GatewayPort)}", "--outbound-addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0",
                "--control-addr", westControl, "--trust-anchors", Path.Combine(_westDir, "trust-anchors.pem"), "--trust-domain", "west.mesh"],
            new Dictionary<string, string?> { ["MESH_PROXY_TOKEN"] = token });
        await gateway.WaitForLineAsync(new Regex("^mesh-proxy: ready"), DefaultDeadline);
        await MeshOkAsync(Network.West, _westDir, null, "multicluster", "allow", "spiffe://east.mesh/ns/mesh/sa/silo");

        // East: a namespace of its own (mirrors go only where the cluster has resources), the Link, the client sidecar.
        await MeshOkAsync(Network.East, _eastDir, """
            apiVersion: v1
            kind: Service
            metadata: {name: client}
            spec: {selector: {app: client}, ports: [{name: http, port: 7100}]}
            """, "apply", "-f", "-");
        var link = await MeshOkAsync(Network.West, _westDir, null, "multicluster", "link-gen");
        await MeshOkAsync(Network.East, _eastDir, link, "apply", "-f", "-");
        var client = Start(Network.East, _eastDir, "east/client", MeshBin, ["run", "client", "--port", "7100", "--outbound-port", Text(ClientOutbound)]);
        foreach (var sidecar in new[] { books, client }) await sidecar.WaitForLineAsync(new Regex("Ctrl-C stops it"), DefaultDeadline);
    }

    /// <summary>East's app reaches books-west through west's gateway — the only west port besides federation the router
    /// forwards — and the router saw nothing else from east; west's books port, open on west's address (west reaches it
    /// itself), is unreachable from east.</summary>
    [RoutedClusterFact]
    public async Task GatewayMode_EastCallsBooksWestThroughTheGatewayOnly_WestsPodPortIsNeverDialled()
    {
        string? last = null;
        await UntilAsync(async () => (last = await CallFromEastAsync("books-west.default.svc.cluster.local")) == "200 books",
            () => $"east's client answered by west's books through the gateway; last: {last}");

        Assert.True(await Network.PacketsAsync(RoutedClusterNetwork.ToGateway) > 0, "the call went through the router to west's gateway port");
        Assert.True(await Network.PacketsAsync(RoutedClusterNetwork.ToFederation) > 0, "east's Link watches west's federation port");
        Assert.Equal(0, await Network.PacketsAsync(RoutedClusterNetwork.Dropped));

        var inWest = await RoutedClusterNetwork.ExecAsync(Network.West, null, "curl", "-sS", "-m", "5", $"http://{RoutedClusterNetwork.WestIp}:{Text(BooksPort)}/who");
        Assert.True(inWest is { Code: 0, Out: "books" }, $"west reaches its own books port: {inWest}");
        var fromEast = await RoutedClusterNetwork.ExecAsync(Network.East, null, "curl", "-sS", "-m", "3", $"http://{RoutedClusterNetwork.WestIp}:{Text(BooksPort)}/who");
        Assert.True(fromEast.Code != 0, $"east dialled west's books port directly: {fromEast}");
        Assert.True(await Network.PacketsAsync(RoutedClusterNetwork.Dropped) > 0, "the router dropped east's direct dial");
    }

    /// <summary>The router's rules dropped: east's Link says FederationConnected False while books-west stays
    /// mirrored; the rules back, it is connected again and east's call goes through once more.</summary>
    [RoutedClusterFact]
    public async Task Partition_RouterRulesDropped_FederationNotConnectedMirrorsKept_RestoredReconnects()
    {
        string? last = null;
        await UntilAsync(async () => (last = await CallFromEastAsync("books-west.default.svc.cluster.local")) == "200 books",
            () => $"books-west answering before the partition; last: {last}");
        await UntilAsync(async () => (last = await CheckAsync()).Contains("link west: federation connected", StringComparison.Ordinal),
            () => $"federation connected before the partition; last: {last}");

        await Network.PartitionAsync();
        await UntilAsync(async () => (last = await CheckAsync()).Contains("link west: federation not connected", StringComparison.Ordinal),
            () => $"federation not connected during the partition; last: {last}");
        var services = await MeshOkAsync(Network.East, _eastDir, null, "get", "services", "-n", "default", "-o", "json");
        Assert.Contains("\"books-west\"", services);
        var status = await MeshOkAsync(Network.East, _eastDir, null, "get", "link", "west", "-n", "mesh", "-o", "yaml");
        Assert.Contains("reason: Mirrored", status);

        await Network.HealAsync();
        await UntilAsync(async () => (last = await CheckAsync()).Contains("link west: federation connected", StringComparison.Ordinal),
            () => $"federation connected again after the partition; last: {last}");
        await UntilAsync(async () => (last = await CallFromEastAsync("books-west.default.svc.cluster.local")) == "200 books",
            () => $"books-west answering after the partition; last: {last}");
    }

    /// <summary>One HTTPRoute on east's own books with backends books-west (weight 1) and books (weight 0, a standby):
    /// traffic goes to west while west's gateway answers its probes; partitioned, the probes fail, the mirror's gateway
    /// endpoint goes not ready and the route fails over to east's books; healed, traffic returns to west.</summary>
    [RoutedClusterFact]
    public async Task FailoverRoute_WestsGatewayUnreachable_ShiftsToLocalBooks_AndBack()
    {
        await MeshOkAsync(Network.East, _eastDir, $$"""
            apiVersion: v1
            kind: Service
            metadata: {name: books}
            spec: {selector: {app: books}, ports: [{name: http, port: {{Text(BooksPort)}} }]}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: books-failover}
            spec:
              parentRefs: [{group: "", kind: Service, name: books, port: {{Text(BooksPort)}} }]
              rules:
                - backendRefs:
                    - {name: books-west, port: {{Text(BooksPort)}}, weight: 1}
                    - {name: books, port: {{Text(BooksPort)}}, weight: 0}
            """, "apply", "-f", "-");
        var root = Directory.CreateDirectory(Path.Combine(_eastDir, "books-root")).FullName;
        await File.WriteAllTextAsync(Path.Combine(root, "who"), "books-east");
        var books = Start(Network.East, _eastDir, "east/books", MeshBin,
            ["run", "books", "--port", Text(BooksPort), "--", "python3", "-m", "http.server", Text(BooksPort), "--bind", "127.0.0.1", "--directory", root]);
        await books.WaitForLineAsync(new Regex("Ctrl-C stops it"), DefaultDeadline);

        string? last = null;
        await UntilAsync(async () => (last = await CallFromEastAsync("books.default.svc.cluster.local")) == "200 books",
            () => $"east's books route sending to west while its gateway is alive; last: {last}");

        await Network.PartitionAsync();
        await UntilAsync(async () => (last = await CallFromEastAsync("books.default.svc.cluster.local")) == "200 books-east",
            () => $"the route failed over to east's books once west's gateway is dead; last: {last}");
        var gateways = await MeshOkAsync(Network.East, _eastDir, null, "multicluster", "gateways");
        Assert.Matches(@"west\s+no\s+1\s+-", gateways);

        await Network.HealAsync();
        await UntilAsync(async () => (last = await CallFromEastAsync("books.default.svc.cluster.local")) == "200 books",
            () => $"the route back on west once its gateway answers again; last: {last}");
    }

    /// <summary>East's app calling <paramref name="host"/> through its sidecar's outbound port (curl inside east's
    /// namespace): "status body", or curl's error.</summary>
    private async Task<string> CallFromEastAsync(string host)
    {
        var (code, output, error) = await RoutedClusterNetwork.ExecAsync(Network.East, null, "curl", "-sS", "-m", "10",
            "-x", $"http://127.0.0.1:{Text(ClientOutbound)}", "-w", "\n%{http_code}", $"http://{host}:{Text(BooksPort)}/who");
        if (code != 0) return $"curl exit {code}: {error.Trim()}";
        var split = output.LastIndexOf('\n');
        return $"{output[(split + 1)..].Trim()} {output[..split]}";
    }

    private async Task<string> CheckAsync() =>
        (await RoutedClusterNetwork.ExecAsync(Network.East, null, MeshEnv(_eastDir), MeshBin, "multicluster", "check")).ToString();

    private async Task<string> StartSiloAsync(string ns, string dataDir, string[] extra)
    {
        var silo = Start(ns, dataDir, ns, MeshBin,
            ["silo", "--admin-addr", "127.0.0.1:0", "--control-addr", "127.0.0.1:0", "--data-dir", dataDir, .. extra]);
        var control = await silo.WaitForLineAsync(new Regex(@"mesh-silo: control (\S+)"), DefaultDeadline);
        await silo.WaitForLineAsync(new Regex("mesh-silo: ready"), DefaultDeadline);
        return control.Groups[1].Value.TrimEnd('/');
    }

    /// <summary>`mesh ARGS` inside <paramref name="ns"/> against that cluster's silo; fails the test unless it exits 0.</summary>
    private static async Task<string> MeshOkAsync(string ns, string dataDir, string? stdin, params string[] args)
    {
        var result = await RoutedClusterNetwork.ExecAsync(ns, stdin, MeshEnv(dataDir), [MeshBin, .. args]);
        Assert.True(result.Code == 0, $"mesh {string.Join(' ', args)} in {ns}: {result}");
        return result.Out;
    }

    /// <summary>A cluster's `mesh` finds its silo through the data directory alone, never this machine's MESH_* settings.</summary>
    private static Dictionary<string, string?> MeshEnv(string dataDir) => new()
    {
        ["MESH_DATA_DIR"] = dataDir, ["MESH_PROXY_BIN"] = BuiltProxy.Path(),
        ["MESH_ADMIN_ADDR"] = null, ["MESH_CONTROL_ADDR"] = null, ["MESH_TOKEN"] = null, ["MESH_REDIS"] = null,
    };

    private ChildProcess Start(string ns, string dataDir, string name, string file, string[] args, Dictionary<string, string?>? extra = null)
    {
        var env = MeshEnv(dataDir);
        if (extra is not null) foreach (var (k, v) in extra) env[k] = v;
        var process = ChildProcess.Start(name, "ip", ["netns", "exec", ns, file, .. args], env);
        _processes.Add(process);
        return process;
    }

    public async Task DisposeAsync()
    {
        for (var i = _processes.Count - 1; i >= 0; i--) await _processes[i].DisposeAsync();
        _processes.Clear();
        if (_network is not null) await _network.DisposeAsync();
        _network = null;
        foreach (var dir in new[] { _westDir, _eastDir })
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } // a child still closing a file: the temp dir's cleaner takes it
    }
}

/// <summary>A test run killed before it could dispose its <see cref="RoutedClusterNetwork"/> leaves three namespaces;
/// the next network deletes those of processes that are gone and leaves those of running ones (another worktree's).</summary>
[Trait("Category", "E2E")]
public sealed class RoutedClusterNetworkSweepTests
{
    [RoutedClusterFact]
    public async Task SweepStale_DeadOwnersNamespacesDeleted_LiveOnesAndFreshLegacyOnesKept()
    {
        // A process id nobody has now (pid_max is at least 32768 everywhere).
        var dead = Enumerable.Range(2, 32766).Reverse().First(pid => !Directory.Exists($"/proc/{pid}"));
        var stale = $"mesh-mc-{dead}-12345-east";
        var live = $"mesh-mc-{Environment.ProcessId}-12345-west";
        var legacy = "mesh-mc12345-router"; // the old form, just made: its owner may still be setting it up
        try
        {
            foreach (var ns in new[] { stale, live, legacy })
                Assert.Equal(0, (await IpAsync("netns", "add", ns)).Code);

            var deleted = await RoutedClusterNetwork.SweepStaleAsync();

            Assert.Contains(stale, deleted);
            Assert.DoesNotContain(live, deleted);
            Assert.DoesNotContain(legacy, deleted);
            var left = (await IpAsync("netns", "list")).Output;
            Assert.DoesNotContain(stale, left);
            Assert.Contains(live, left);
            Assert.Contains(legacy, left);
        }
        finally
        {
            foreach (var ns in new[] { stale, live, legacy }) await IpAsync("netns", "del", ns);
        }
    }

    private static async Task<(int Code, string Output)> IpAsync(params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, output);
    }
}
