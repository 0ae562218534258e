using System.Text.RegularExpressions;
using Mesh.Cli.Connection;
using Mesh.Cli.Local;
using Mesh.Cli.Manifests;
using Mesh.Cli.Output;
using Mesh.Identity.Ca;
using Mesh.Names;

namespace Mesh.Cli.Demo;

/// <summary>`mesh demo --multicluster`: two clusters on this machine, each its own silo, data dir and trust domain
/// (east.mesh, west.mesh) under one trust anchor with an issuer each. West runs books (canary v1/v2) and authors,
/// exports books and runs a multicluster gateway; east runs web and the traffic generator, links to west with the
/// Link `mesh multicluster link-gen` prints there, and routes books to the mirror books-west. Every hop is mesh mTLS:
/// web's sidecar → west's gateway (east identity presented, gateway identity checked) → books' sidecar, which trusts
/// the identity west's gateway forwards (its Server's trustedGateways): west authorizes east's web, not the gateway.</summary>
internal static class MulticlusterDemo
{
    public const string East = "east", West = "west";
    private static readonly TimeSpan MirrorTimeout = TimeSpan.FromSeconds(60);
    private static readonly Regex ProxyReady = new("^mesh-proxy: ready");

    private static readonly DemoCommand.Role[] WestRoles =
    [
        new("authors", "authors", "authors", "v1", 0.05, new() { ["app"] = "authors" }),
        new("books-v1", "books", "books", "v1", 0, new() { ["app"] = "books", ["version"] = "v1" }),
        new("books-v2", "books", "books", "v2", 0, new() { ["app"] = "books", ["version"] = "v2" }),
    ];

    private static readonly DemoCommand.Role[] EastRoles =
    [
        new("web", "web", "web", "v1", 0, new() { ["app"] = "web" }),
        new("traffic", "traffic", "traffic", "v1", 0, new() { ["app"] = "traffic" }, IsTraffic: true),
    ];

    public static async Task<int> RunAsync(CliContext context, DemoOptions options, CancellationToken ct)
    {
        var console = context.Console;
        var tempDir = options.DataDir is null ? Directory.CreateTempSubdirectory("mesh-demo-mc-").FullName : null;
        var root = Path.GetFullPath(options.DataDir ?? tempDir!);
        var echo = options.Verbose ? console.ErrorWriter : null;
        var cli = MeshBinaries.Cli(context);
        var proxyBinary = MeshBinaries.Proxy(context);
        var workloads = new List<LocalWorkload>();
        DemoSilo? west = null, east = null;
        ChildProcess? gateway = null;
        try
        {
            var (westDir, eastDir) = (Path.Combine(root, West), Path.Combine(root, East));
            PrepareTrust(console, westDir, eastDir);
            var gatewayPort = FreePort.Next();
            var gatewayIdentity = SpiffeId.Format(TrustDomain(West), KubernetesObjects.Namespace, "gateway");

            console.Note($"demo: starting cluster west's silo (data dir {westDir}, trust domain {TrustDomain(West)}, federation API on)");
            west = await DemoSilo.StartAsync("west/silo", cli, DemoCommand.AdminAddress(console, options), westDir,
                ["--cluster-name", West, "--trust-domain", TrustDomain(West), "--federation", "127.0.0.1:0",
                    "--multicluster-gateway", $"127.0.0.1:{gatewayPort}", "--multicluster-gateway-identity", gatewayIdentity], echo, ct);
            console.Note($"demo: starting cluster east's silo (data dir {eastDir}, trust domain {TrustDomain(East)})");
            east = await DemoSilo.StartAsync("east/silo", cli, "127.0.0.1:0", eastDir, ["--cluster-name", East, "--trust-domain", TrustDomain(East)], echo, ct);

            await ApplyEmbeddedAsync(west.Client, "bookstore-west.yaml", ct);
            console.Note("demo: west: applied books (exported, canary 90 % v1 / 10 % v2), books-v1, books-v2, authors; books admits east's web (forwarded by west's gateway, trustedGateways); allowed east's silo to watch its exports");
            foreach (var role in WestRoles)
                workloads.Add(await DemoCommand.StartRoleAsync(console, role, west.Client, cli, proxyBinary, options.Rps, echo, ct, West));
            gateway = await StartGatewayAsync(west.Client, proxyBinary, gatewayPort, echo, ct);
            console.Note($"demo: west/gateway is up (inbound :{gatewayPort}, identity {gatewayIdentity})");

            // Mirrors go only into namespaces the cluster uses itself, so east's own resources come first.
            await ApplyEmbeddedAsync(east.Client, "bookstore-east.yaml", ct);
            console.Note("demo: east: applied web and books (route: every request to books-west, through west's gateway)");
            await east.Client.ApplyAsync(LinkManifest.Build(await west.Client.LinkInfoAsync(ct), West), KubernetesObjects.Namespace, dryRun: false, ct);
            console.Note("demo: east: applied the Link to west (from `mesh multicluster link-gen` on west); waiting for the mirror books-west");
            await WaitForMirrorAsync(east.Client, "books-west", ct);
            foreach (var role in EastRoles)
                workloads.Add(await DemoCommand.StartRoleAsync(console, role, east.Client, cli, proxyBinary, options.Rps, echo, ct, East));

            console.Note($"demo: dashboards west {west.AdminUrl.TrimEnd('/')}/ · east {east.AdminUrl.TrimEnd('/')}/   ·   try: MESH_DATA_DIR={eastDir} ./mesh multicluster gateways   ·   Ctrl-C stops everything");
            await DemoCommand.ShowStatsAsync(console, options, [(East, east.Client), (West, west.Client)], ct);
            return ExitCodes.Ok;
        }
        finally
        {
            console.Note("demo: stopping");
            await DemoCommand.StopAsync(console, workloads);
            if (gateway is not null) await gateway.DisposeAsync();
            if (east is not null) await east.DisposeAsync();
            if (west is not null) await west.DisposeAsync();
            DemoCommand.DeleteQuietly(tempDir);
        }
    }

    private static string TrustDomain(string cluster) => $"{cluster}.mesh";

    /// <summary>One trust anchor, an issuer per cluster: west's CA dir gets the anchor and its first issuer, east's the
    /// same anchor with a second issuer. Kept when both exist (a rerun with the same --data-dir).</summary>
    private static void PrepareTrust(IConsoleOutput console, string westDir, string eastDir)
    {
        var (westCa, eastCa) = (Path.Combine(westDir, "ca"), Path.Combine(eastDir, "ca"));
        if (Directory.Exists(westCa) && Directory.Exists(eastCa)) return;
        var west = CertificateAuthority.Create(TrustDomain(West));
        west.Save(westCa);
        // As `mesh identity issuer` does: east's issuer names east.mesh and can mint only its identities.
        CertificateAuthority.FromAnchor(west.Anchor, TrustDomain(East)).Save(eastCa);
        console.Note("demo: created one trust anchor and an issuer for each cluster");
    }

    private static async Task ApplyEmbeddedAsync(AdminClient client, string name, CancellationToken ct)
    {
        await using var yaml = typeof(MulticlusterDemo).Assembly.GetManifestResourceStream("Mesh.Cli.Demo." + name)
            ?? throw new InvalidOperationException($"embedded resource {name} is missing from the CLI build");
        await client.ApplyAsync(await new StreamReader(yaml).ReadToEndAsync(ct), "default", dryRun: false, ct);
    }

    /// <summary>West's gateway: `mesh-proxy gateway` certified as mesh/gateway by west's silo. It registers no
    /// Workload, so its inbound policy stays the gateway default (any mesh identity; only exported services).</summary>
    private static async Task<ChildProcess> StartGatewayAsync(AdminClient west, string proxyBinary, int port, TextWriter? echo, CancellationToken ct)
    {
        var token = (await west.IssueTokenAsync(KubernetesObjects.Namespace, "gateway", null, ct)).Token
            ?? throw new CliException("west's silo answered the token request without a token");
        var gateway = ChildProcess.Start("west/gateway", proxyBinary,
            ["gateway", "--namespace", KubernetesObjects.Namespace, "--service-account", "gateway", "--workload", "gateway",
                "--inbound-addr", $"127.0.0.1:{port}", "--outbound-addr", $"127.0.0.1:{FreePort.Next()}", "--admin-addr", $"127.0.0.1:{FreePort.Next()}",
                "--control-addr", west.Connection.Control.ToString().TrimEnd('/'),
                "--trust-anchors", Path.Combine(west.Connection.DataDirectory, "trust-anchors.pem"), "--trust-domain", TrustDomain(West)],
            new Dictionary<string, string?> { ["MESH_PROXY_TOKEN"] = token }, echo);
        try
        {
            await gateway.WaitForLineAsync(ProxyReady, TimeSpan.FromSeconds(60), ct);
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until the Link's grain has written the mirror Service (it works in the background once the Link
    /// is applied); the failure names the Link status to look at.</summary>
    private static async Task WaitForMirrorAsync(AdminClient east, string mirror, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + MirrorTimeout;
        while (!(await east.ListAsync("services", "default", ct)).Any(s => (string?)s["metadata"]?["name"] == mirror))
        {
            if (DateTime.UtcNow >= deadline)
            {
                var link = await east.GetAsync("links", KubernetesObjects.Namespace, West, ct);
                var conditions = new[] { "conditions", "services" }.SelectMany(list => link?["status"]?[list]?.AsArray() ?? [])
                    .Select(c => $"{c?["type"] ?? c?["name"]}={c?["status"]} {c?["reason"]}: {c?["message"]}");
                List<string> lines = [$"east has no mirror {mirror} {MirrorTimeout.TotalSeconds:0} s after the Link was applied", .. conditions.Select(c => "link west: " + c)];
                throw new CliException(lines, ExitCodes.UserError, hint: "rerun with --verbose to see every process's output");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
        }
    }
}
