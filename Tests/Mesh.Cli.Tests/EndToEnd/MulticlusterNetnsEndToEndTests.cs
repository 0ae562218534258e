using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Mesh.Cli.Local;
using Mesh.Identity.Ca;
using Xunit.Abstractions;

using static Mesh.Cli.Tests.EndToEnd.EndToEndSupport;

namespace Mesh.Cli.Tests.EndToEnd;

/// <summary>The network-namespace variant of the two-cluster test (issue 13): every process runs inside its cluster's
/// namespace of a <see cref="RoutedClusterNetwork"/> — west's `mesh silo` (federation on west's address), west's books
/// (python's http.server on west's address, behind `mesh run`) and west's `mesh-proxy gateway`; east's `mesh silo` with
/// the Link from west's `link-gen`, east's client sidecar. The router between them forwards only west's gateway and
/// federation ports, so whatever east reaches of west it reaches through those two. Each cluster's `mesh` commands run
/// inside its namespace too (the admin listeners are on each namespace's loopback). Ports inside a namespace are its
/// own, so the sidecars' and the gateway's admin ports are fixed.</summary>
[Trait("Category", "E2E")]
public sealed class MulticlusterNetnsEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int GatewayPort = 4143, FederationPort = 8087, BooksPort = 7001, ClientOutbound = 4140;
    private const int GatewayAdmin = 4191, ClientAdmin = 4191, NovelsPort = 7002, NovelsInbound = 4150, NovelsAdmin = 4192;
    private const string BooksWest = "books-west.default.svc.cluster.local", NovelsWest = "novels-west.default.svc.cluster.local";
    private const string GatewayIdentity = "spiffe://west.mesh/ns/mesh/sa/gateway";
    private static readonly string MeshBin = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "mesh.exe" : "mesh");
    private readonly string _westDir = Directory.CreateTempSubdirectory("mesh-netns-west-").FullName;
    private readonly string _eastDir = Directory.CreateTempSubdirectory("mesh-netns-east-").FullName;
    private readonly List<ChildProcess> _processes = [];
    private RoutedClusterNetwork? _network;
    private RoutedClusterNetwork Network => _network ?? throw new InvalidOperationException("the network is not built");
    private string _eastAdmin = "";

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

        var (_, westControl) = await StartSiloAsync(Network.West, _westDir, ["--cluster-name", "west", "--trust-domain", "west.mesh",
            "--federation", $"{RoutedClusterNetwork.WestIp}:{Text(FederationPort)}",
            "--multicluster-gateway", $"{RoutedClusterNetwork.WestIp}:{Text(GatewayPort)}", "--multicluster-gateway-identity", GatewayIdentity]);
        (_eastAdmin, _) = await StartSiloAsync(Network.East, _eastDir, ["--cluster-name", "east", "--trust-domain", "east.mesh"]);

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
                "--inbound-addr", $"{RoutedClusterNetwork.WestIp}:{Text(GatewayPort)}", "--outbound-addr", "127.0.0.1:0", "--admin-addr", $"127.0.0.1:{Text(GatewayAdmin)}",
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
        var client = Start(Network.East, _eastDir, "east/client", MeshBin, ["run", "client", "--port", "7100", "--outbound-port", Text(ClientOutbound), "--admin-port", Text(ClientAdmin)]);
        foreach (var sidecar in new[] { books, client }) await sidecar.WaitForLineAsync(new Regex("Ctrl-C stops it"), DefaultDeadline);
    }

    /// <summary>East's app reaches books-west through west's gateway — the only west port besides federation the router
    /// forwards — and the router saw nothing else from east; west's books port, open on west's address (west reaches it
    /// itself), is unreachable from east.</summary>
    [RoutedClusterFact]
    public async Task GatewayMode_EastCallsBooksWestThroughTheGatewayOnly_WestsPodPortIsNeverDialled()
    {
        string? last = null;
        await UntilAsync(async () => (last = await CallFromEastAsync(BooksWest)) == "200 books",
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

    /// <summary>The router's rules dropped: east's Link says FederationConnected False (the time that takes is written
    /// to the test output) while books-west stays mirrored — its Service and its EndpointSlice, with the gateway still
    /// its endpoint (the gateway probe marks it not ready; nothing is deleted); the rules back, it is connected again and
    /// east's call goes through once more.</summary>
    [RoutedClusterFact]
    public async Task Partition_RouterRulesDropped_FederationNotConnectedMirrorsKept_RestoredReconnects()
    {
        string? last = null;
        await UntilAsync(async () => (last = await CallFromEastAsync(BooksWest)) == "200 books",
            () => $"books-west answering before the partition; last: {last}");
        await UntilAsync(async () => (last = await CheckAsync()).Contains("link west: federation connected", StringComparison.Ordinal),
            () => $"federation connected before the partition; last: {last}");
        var sliceBefore = await EastResourceAsync("endpointslices", "books-west");
        Assert.Contains($"\"{RoutedClusterNetwork.WestIp}\"", sliceBefore.Body);

        await Network.PartitionAsync();
        var partitioned = Stopwatch.StartNew();
        await UntilAsync(async () => (last = await CheckAsync()).Contains("link west: federation not connected", StringComparison.Ordinal),
            () => $"federation not connected during the partition; last: {last}");
        output.WriteLine($"partition → FederationConnected=False in `mesh multicluster check`: {partitioned.ElapsedMilliseconds} ms");
        var services = await MeshOkAsync(Network.East, _eastDir, null, "get", "services", "-n", "default", "-o", "json");
        Assert.Contains("\"books-west\"", services);
        var sliceDuring = await EastResourceAsync("endpointslices", "books-west");
        Assert.True(sliceDuring.Status == 200, $"books-west's EndpointSlice kept during the partition: {sliceDuring}");
        Assert.Contains($"\"{RoutedClusterNetwork.WestIp}\"", sliceDuring.Body);
        var status = await MeshOkAsync(Network.East, _eastDir, null, "get", "link", "west", "-n", "mesh", "-o", "yaml");
        Assert.Contains("reason: Mirrored", status);

        await Network.HealAsync();
        var healed = Stopwatch.StartNew();
        await UntilAsync(async () => (last = await CheckAsync()).Contains("link west: federation connected", StringComparison.Ordinal),
            () => $"federation connected again after the partition; last: {last}");
        output.WriteLine($"healed → FederationConnected=True: {healed.ElapsedMilliseconds} ms");
        await UntilAsync(async () => (last = await CallFromEastAsync(BooksWest)) == "200 books",
            () => $"books-west answering after the partition; last: {last}");
    }

    /// <summary>West exports novels in flat mode (mirror.mesh.io/exported=remote-discovery) from a sidecar on west's own
    /// address: east's mirror novels-west has that pod as its endpoint, with west's identity. Through the router as
    /// built (gateway and federation ports only) east cannot reach it — gateway mode needed nothing more. Opened, east's
    /// client calls west's pod directly over mTLS: east's sidecar verified novels' west identity, west's sidecar saw east's
    /// client, and west's gateway counted not one request for it.</summary>
    [RoutedClusterFact]
    public async Task FlatMode_RouterOpened_EastCallsWestsPodDirectlyWithWestsIdentity_GatewayCountsNone()
    {
        await MeshOkAsync(Network.West, _westDir, $$"""
            apiVersion: v1
            kind: Service
            metadata: {name: novels, labels: {mirror.mesh.io/exported: remote-discovery} }
            spec: {selector: {app: novels}, ports: [{name: http, port: {{Text(NovelsPort)}}, targetPort: http}]}
            """, "apply", "-f", "-");
        var root = Directory.CreateDirectory(Path.Combine(_westDir, "novels-root")).FullName;
        await File.WriteAllTextAsync(Path.Combine(root, "who"), "novels");
        var novels = Start(Network.West, _westDir, "west/novels", MeshBin,
            ["run", "novels", "--port", Text(NovelsPort), "--address", RoutedClusterNetwork.WestIp, "--inbound-port", Text(NovelsInbound),
                "--admin-port", Text(NovelsAdmin), "--", "python3", "-m", "http.server", Text(NovelsPort), "--bind", "127.0.0.1", "--directory", root]);
        await novels.WaitForLineAsync(new Regex("Ctrl-C stops it"), DefaultDeadline);

        (int Status, string Body) slice = default;
        await UntilAsync(async () => (slice = await EastResourceAsync("endpointslices", "novels-west")).Body.Contains($"\"{RoutedClusterNetwork.WestIp}\"", StringComparison.Ordinal),
            () => $"novels-west's slice naming west's pod address; last: {slice}");
        Assert.Contains("spiffe://west.mesh/ns/default/sa/novels", slice.Body);
        Assert.Contains($"\"{Text(NovelsInbound)}\"", slice.Body);

        // Not opened yet: the pod's address is behind the router's last rule.
        var dropped = await Network.PacketsAsync(RoutedClusterNetwork.Dropped);
        var closed = await CallFromEastAsync(NovelsWest);
        Assert.NotEqual("200 novels", closed);
        Assert.True(await Network.PacketsAsync(RoutedClusterNetwork.Dropped) > dropped, $"east's sidecar dialled west's pod and the router dropped it; answer: {closed}");

        var gatewayBefore = Sum(await MetricsAsync(Network.West, GatewayAdmin), "request_total");
        await Network.OpenAsync();
        string? last = null;
        await UntilAsync(async () => (last = await CallFromEastAsync(NovelsWest)) == "200 novels",
            () => $"east's client answered by west's novels pod directly; last: {last}");
        for (var i = 0; i < 4; i++) Assert.Equal("200 novels", await CallFromEastAsync(NovelsWest));

        Assert.True(await Network.PacketsAsync(RoutedClusterNetwork.Opened) > 0, "the calls went through the opened rule");
        Assert.Equal(gatewayBefore, Sum(await MetricsAsync(Network.West, GatewayAdmin), "request_total"));
        var east = await MetricsAsync(Network.East, ClientAdmin);
        Assert.Matches(new Regex("response_total\\{[^}]*dst_identity=\"spiffe://west\\.mesh/ns/default/sa/novels\"[^}]*status_code=\"200\""), east);
        var west = await MetricsAsync(Network.West, NovelsAdmin);
        Assert.Matches(new Regex("response_total\\{[^}]*src_identity=\"spiffe://east\\.mesh/ns/default/sa/client\"[^}]*status_code=\"200\""), west);
        // The counter does count the gateway's traffic: a gateway-mode call (books-west) moves it.
        await UntilAsync(async () => (last = await CallFromEastAsync(BooksWest)) == "200 books", () => $"books-west through the gateway; last: {last}");
        Assert.True(Sum(await MetricsAsync(Network.West, GatewayAdmin), "request_total") > gatewayBefore, "west's gateway counted the gateway-mode call");
    }

    /// <summary>West takes the export label off books: east's mirror books-west — its Service and its EndpointSlice —
    /// goes, and east's client can no longer call it. The delays from `mesh apply` returning on west to east's sidecar
    /// refusing books-west and to east's catalog having neither are written to the test output.</summary>
    [RoutedClusterFact]
    public async Task Unexport_WestRemovesTheExportLabel_EastsMirrorAndItsEndpointsGo()
    {
        string? last = null;
        await UntilAsync(async () => (last = await CallFromEastAsync(BooksWest)) == "200 books",
            () => $"books-west answering before the unexport; last: {last}");
        Assert.Equal(200, (await EastResourceAsync("services", "books-west")).Status);
        Assert.Equal(200, (await EastResourceAsync("endpointslices", "books-west")).Status);

        await MeshOkAsync(Network.West, _westDir, $$"""
            apiVersion: v1
            kind: Service
            metadata: {name: books}
            spec: {selector: {app: books}, ports: [{name: http, port: {{Text(BooksPort)}} }]}
            """, "apply", "-f", "-");
        var applied = Stopwatch.StartNew();
        var proxy = PollAsync(async () => (last = await CallFromEastAsync(BooksWest)) != "200 books", applied);
        var catalog = PollAsync(async () => (await EastResourceAsync("services", "books-west")).Status == 404
            && (await EastResourceAsync("endpointslices", "books-west")).Status == 404, applied);
        var (proxyMs, catalogMs) = (await proxy, await catalog);
        output.WriteLine($"unexport → east's sidecar refuses books-west: {proxyMs} ms; books-west and its EndpointSlice gone from east's catalog: {catalogMs} ms (from `mesh apply` returning on west)");
        Assert.True(proxyMs >= 0, $"east's sidecar still answered books-west after the unexport; last: {last}");
        Assert.True(catalogMs >= 0, "books-west or its EndpointSlice still in east's catalog after the unexport");
        await UntilAsync(async () => (last = await CallFromEastAsync(BooksWest)).StartsWith("502 ", StringComparison.Ordinal) && last.Contains("not found in the mesh", StringComparison.Ordinal),
            () => $"east's sidecar to know books-west no more; last: {last}");
        var services = await MeshOkAsync(Network.East, _eastDir, null, "get", "services", "-n", "default", "-o", "json");
        Assert.DoesNotContain("\"books-west\"", services);
        Assert.Contains("\"client\"", services);
        // West's own books is still there and still reachable inside west.
        var inWest = await RoutedClusterNetwork.ExecAsync(Network.West, null, "curl", "-sS", "-m", "5", $"http://{RoutedClusterNetwork.WestIp}:{Text(BooksPort)}/who");
        Assert.True(inWest is { Code: 0, Out: "books" }, $"west's books still serving: {inWest}");
    }

    /// <summary>Milliseconds from <paramref name="since"/>'s start until <paramref name="done"/>, polled back to back
    /// (each poll is a process in east's namespace, tens of milliseconds); -1 if the default deadline passes first.</summary>
    private static async Task<long> PollAsync(Func<Task<bool>> done, Stopwatch since)
    {
        while (since.Elapsed < DefaultDeadline)
        {
            if (await done()) return since.ElapsedMilliseconds;
            await Task.Delay(10);
        }
        return -1;
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
    /// namespace): "status body", or curl's error. Novels is on its own port.</summary>
    private async Task<string> CallFromEastAsync(string host)
    {
        var port = host == NovelsWest ? NovelsPort : BooksPort;
        var (code, output, error) = await RoutedClusterNetwork.ExecAsync(Network.East, null, "curl", "-sS", "-m", "10",
            "-x", $"http://127.0.0.1:{Text(ClientOutbound)}", "-w", "\n%{http_code}", $"http://{host}:{Text(port)}/who");
        if (code != 0) return $"curl exit {code}: {error.Trim()}";
        var split = output.LastIndexOf('\n');
        return $"{output[(split + 1)..].Trim()} {output[..split]}";
    }

    /// <summary>A resource of east's catalog through east's admin API (curl inside east's namespace): HTTP status and body.</summary>
    private async Task<(int Status, string Body)> EastResourceAsync(string kind, string name)
    {
        var token = (await File.ReadAllTextAsync(Path.Combine(_eastDir, "admin-token"))).Trim();
        var (code, body, error) = await RoutedClusterNetwork.ExecAsync(Network.East, null, "curl", "-sS", "-m", "5", "-H", $"Authorization: Bearer {token}",
            "-w", "\n%{http_code}", $"{_eastAdmin}/api/v1/resources/{kind}/default/{name}");
        if (code != 0) return (0, $"curl exit {code}: {error.Trim()}");
        var split = body.LastIndexOf('\n');
        return (int.Parse(body[(split + 1)..].Trim(), CultureInfo.InvariantCulture), body[..split]);
    }

    /// <summary>A proxy's Prometheus text from its admin port inside <paramref name="ns"/>.</summary>
    private static async Task<string> MetricsAsync(string ns, int adminPort)
    {
        var result = await RoutedClusterNetwork.ExecAsync(ns, null, "curl", "-sS", "-m", "5", $"http://127.0.0.1:{Text(adminPort)}/metrics");
        Assert.True(result.Code == 0, $"metrics of :{adminPort} in {ns}: {result}");
        return result.Out;
    }

    /// <summary>The sum of every series of <paramref name="metric"/>.</summary>
    private static double Sum(string metrics, string metric) =>
        metrics.Split('\n').Where(l => l.StartsWith(metric + "{", StringComparison.Ordinal) || l.StartsWith(metric + " ", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

    private async Task<string> CheckAsync() =>
        (await RoutedClusterNetwork.ExecAsync(Network.East, null, MeshEnv(_eastDir), MeshBin, "multicluster", "check")).ToString();

    /// <summary>Starts a silo in <paramref name="ns"/>; its admin and control URLs (on that namespace's loopback).</summary>
    private async Task<(string Admin, string Control)> StartSiloAsync(string ns, string dataDir, string[] extra)
    {
        var silo = Start(ns, dataDir, ns, MeshBin,
            ["silo", "--admin-addr", "127.0.0.1:0", "--control-addr", "127.0.0.1:0", "--data-dir", dataDir, .. extra]);
        var admin = await silo.WaitForLineAsync(new Regex(@"mesh-silo: admin (\S+)"), DefaultDeadline);
        var control = await silo.WaitForLineAsync(new Regex(@"mesh-silo: control (\S+)"), DefaultDeadline);
        await silo.WaitForLineAsync(new Regex("mesh-silo: ready"), DefaultDeadline);
        return (admin.Groups[1].Value.TrimEnd('/'), control.Groups[1].Value.TrimEnd('/'));
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
