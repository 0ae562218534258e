using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Mesh.Cli.Connection;
using Mesh.Cli.Local;
using Mesh.Cli.Output;
using Spectre.Console;

namespace Mesh.Cli.Demo;

/// <summary>`mesh demo`: a whole local mesh in one command — a silo, the bookstore (web → books v1/v2 → authors) each
/// behind its own sidecar, and a traffic generator — with live golden metrics until Ctrl-C (or for --duration,
/// headless, ending with the final stats). Everything it started is stopped on the way out.</summary>
internal static class DemoCommand
{
    public static Command Create(CliContext context)
    {
        var duration = new Option<string?>("--duration") { Description = "Run this long (e.g. 30s, 2m) without a live display, print the final stats and exit 0" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Silo data directory (default: a fresh temporary one, removed at exit)" };
        var rps = new Option<int>("--rps") { Description = "Requests per second the traffic generator sends", DefaultValueFactory = _ => 20 };
        var adminAddr = new Option<string?>("--admin-addr") { Description = "Admin API / dashboard address (default 127.0.0.1:8085, or a free port if taken)" };
        var output = new Option<string>("--output", "-o") { Description = "Final stats as table or json", DefaultValueFactory = _ => "table" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Show the output of every process the demo starts" };
        var multicluster = new Option<bool>("--multicluster")
        {
            Description = "Two clusters, east and west (one trust anchor, an issuer each): east's web calls books in west through west's gateway, mirrored by a Link",
        };
        var command = new Command("demo", "Run a local mesh: silo, bookstore services with sidecars, traffic over post-quantum mTLS, live golden metrics")
        {
            duration, dataDir, rps, adminAddr, output, verbose, multicluster,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, () =>
        {
            var options = new DemoOptions(ParseDuration(parse.GetValue(duration)), parse.GetValue(dataDir), parse.GetValue(rps),
                parse.GetValue(adminAddr), ParseOutput(parse.GetValue(output)), parse.GetValue(verbose));
            return parse.GetValue(multicluster) ? MulticlusterDemo.RunAsync(context, options, ct) : RunAsync(context, options, ct);
        }, ct));
        return command;
    }

    internal const int DefaultAdminPort = 8085;

    /// <summary>How long a headless run waits for the first reported request before starting its clock.</summary>
    internal static readonly TimeSpan FirstStatsTimeout = TimeSpan.FromSeconds(60);

    internal sealed record Role(string Workload, string ServiceAccount, string AppRole, string Version, double FailureRate,
        Dictionary<string, string> Labels, bool IsTraffic = false);

    private static readonly Role[] Roles =
    [
        new("authors", "authors", "authors", "v1", 0.05, new() { ["app"] = "authors" }),
        new("books-v1", "books", "books", "v1", 0, new() { ["app"] = "books", ["version"] = "v1" }),
        new("books-v2", "books", "books", "v2", 0, new() { ["app"] = "books", ["version"] = "v2" }),
        new("web", "web", "web", "v1", 0, new() { ["app"] = "web" }),
        new("traffic", "traffic", "traffic", "v1", 0, new() { ["app"] = "traffic" }, IsTraffic: true),
    ];

    private static bool ParseOutput(string? text) => text switch
    {
        "json" => true,
        "table" or null => false,
        _ => throw new CliException($"--output '{text}' is not a format", hint: "use table or json"),
    };

    private static TimeSpan? ParseDuration(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        var m = Regex.Match(text, @"^(\d+)(ms|s|m|h)$");
        if (!m.Success) throw new CliException($"--duration '{text}' is not a duration", hint: "use e.g. 30s, 2m or 1h");
        var n = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        var d = m.Groups[2].Value switch { "ms" => TimeSpan.FromMilliseconds(n), "s" => TimeSpan.FromSeconds(n), "m" => TimeSpan.FromMinutes(n), _ => TimeSpan.FromHours(n) };
        return d > TimeSpan.Zero ? d : throw new CliException("--duration must be positive");
    }

    private static async Task<int> RunAsync(CliContext context, DemoOptions options, CancellationToken ct)
    {
        var console = context.Console;
        var tempDir = options.DataDir is null ? Directory.CreateTempSubdirectory("mesh-demo-").FullName : null;
        var dataDir = Path.GetFullPath(options.DataDir ?? tempDir!);
        var echo = options.Verbose ? console.ErrorWriter : null;
        var cli = MeshBinaries.Cli(context);
        var proxyBinary = MeshBinaries.Proxy(context);
        var workloads = new List<LocalWorkload>();
        DemoSilo? silo = null;
        try
        {
            var admin = AdminAddress(console, options);
            console.Note($"demo: starting the silo (data dir {dataDir})");
            silo = await DemoSilo.StartAsync("silo", cli, admin, dataDir, [], echo, ct);
            var client = silo.Client;
            var adminUrl = silo.AdminUrl;

            await using (var yaml = typeof(DemoCommand).Assembly.GetManifestResourceStream("Mesh.Cli.Demo.bookstore.yaml")!)
                await client.ApplyAsync(await new StreamReader(yaml).ReadToEndAsync(ct), "default", dryRun: false, ct);
            console.Note("demo: applied the bookstore: services web, books (canary 90 % v1 / 10 % v2), books-v1, books-v2, authors");

            foreach (var role in Roles) workloads.Add(await StartRoleAsync(console, role, client, cli, proxyBinary, options.Rps, echo, ct));

            console.Note($"demo: dashboard {adminUrl.TrimEnd('/')}/   ·   try: MESH_DATA_DIR={dataDir} ./mesh stat   ·   Ctrl-C stops everything");
            await ShowStatsAsync(console, options, [(null, client)], ct);
            return ExitCodes.Ok;
        }
        finally
        {
            console.Note("demo: stopping");
            await StopAsync(console, workloads);
            if (silo is not null) await silo.DisposeAsync();
            DeleteQuietly(tempDir);
        }
    }

    /// <summary>The admin address a demo silo binds: --admin-addr, else <paramref name="preferred"/> when free, else a free port.</summary>
    internal static string AdminAddress(IConsoleOutput console, DemoOptions options, int preferred = DefaultAdminPort)
    {
        if (options.AdminAddr is { } chosen) return chosen;
        if (FreePort.IsFree(preferred)) return $"127.0.0.1:{preferred}";
        console.Note($"demo: 127.0.0.1:{preferred} is taken (another silo or demo?); the admin API and dashboard use a free port instead (printed below; --admin-addr picks one)");
        return "127.0.0.1:0";
    }

    /// <summary>Starts one bookstore role (or the traffic generator) behind its own sidecar, registered with <paramref name="client"/>'s silo.</summary>
    internal static async Task<LocalWorkload> StartRoleAsync(IConsoleOutput console, Role role, AdminClient client, (string File, string[] Prefix) cli,
        string proxyBinary, int rps, TextWriter? echo, CancellationToken ct, string? cluster = null)
    {
        var appPort = FreePort.Next();
        var spec = new LocalWorkloadSpec(role.Labels["app"], "default", role.ServiceAccount, role.Workload, appPort, role.Labels,
            FreePort.Next(), FreePort.Next(), FreePort.Next(), CreateServiceIfUnselected: false,
            Services: role.IsTraffic ? [] : [role.Labels["app"]]);
        string[] args = role.IsTraffic
            ? [.. cli.Prefix, "demo-traffic", "--target", "http://web.default.svc.cluster.local", "--rps", rps.ToString(CultureInfo.InvariantCulture)]
            : [.. cli.Prefix, "demo-app", "--role", role.AppRole, "--listen", $"127.0.0.1:{appPort}", "--version", role.Version,
                "--failure-rate", role.FailureRate.ToString(CultureInfo.InvariantCulture)];
        var workload = await LocalWorkload.StartAsync(spec, client, proxyBinary, (cli.File, args), echo, ct);
        console.Note($"demo: {(cluster is null ? "" : cluster + "/")}{role.Workload} is up (app :{appPort}, sidecar inbound :{spec.InboundPort}, admin :{spec.AdminPort})");
        return workload;
    }

    /// <summary>Live golden metrics until Ctrl-C, or (with --duration) a headless run that prints the final stats. One
    /// section per cluster when there are several (<c>null</c> = the single local one).</summary>
    internal static async Task ShowStatsAsync(IConsoleOutput console, DemoOptions options, IReadOnlyList<(string? Cluster, AdminClient Client)> clusters, CancellationToken ct)
    {
        if (options.Duration is not { } d)
        {
            await new DemoStats(clusters).LiveAsync(console.Ansi, ct);
            return;
        }
        // The clock starts when traffic is seen, so a slow start (a loaded machine) does not eat the run.
        var stats = new DemoStats(clusters, DemoStats.WindowFor(d));
        if (!await stats.WaitForTrafficAsync(FirstStatsTimeout, ct))
            console.Note($"demo: no traffic reported within {FirstStatsTimeout.TotalSeconds:0} s (is the machine overloaded? --verbose shows every process); measuring anyway");
        else
            console.Note($"demo: traffic is flowing; measuring for {Output.Durations.Human(d)}");
        await Task.Delay(d, ct);
        var snapshot = await stats.FetchAsync(ct);
        if (options.Json) console.Out.WriteLine(DemoStats.ToJson(snapshot).ToJsonString());
        else DemoStats.Render(console.Ansi, snapshot, DemoStats.WindowFor(d));
    }

    /// <summary>Stops <paramref name="workloads"/> in reverse start order, reporting (not throwing) what fails.</summary>
    internal static async Task StopAsync(IConsoleOutput console, List<LocalWorkload> workloads)
    {
        for (var i = workloads.Count - 1; i >= 0; i--)
        {
            try { await workloads[i].DisposeAsync(); }
            catch (Exception e) when (e is not OutOfMemoryException) { console.Error($"demo: stopping {workloads[i].Spec.WorkloadName}: {e.Message}"); }
        }
    }

    internal static void DeleteQuietly(string? directory)
    {
        if (directory is null) return;
        try { Directory.Delete(directory, recursive: true); }
        catch (IOException) { }
    }
}

/// <summary>What `mesh demo` was asked for.</summary>
internal sealed record DemoOptions(TimeSpan? Duration, string? DataDir, int Rps, string? AdminAddr, bool Json, bool Verbose);
