using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Mesh.Cli.Connection;
using Mesh.Cli.Local;
using Spectre.Console;

namespace Mesh.Cli.Demo;

/// <summary>`mesh demo`: a whole local mesh in one command — a silo, the bookstore (web → books v1/v2 → authors) each
/// behind its own sidecar, and a traffic generator — with live golden metrics until Ctrl-C (or for --duration,
/// headless, ending with the final stats). Everything it started is stopped on the way out.</summary>
internal static class DemoCommand
{
    private static readonly Regex SiloAdmin = new(@"^mesh-silo: admin (\S+)"), SiloControl = new(@"^mesh-silo: control (\S+)"), SiloReady = new("^mesh-silo: ready");

    public static Command Create(CliContext context)
    {
        var duration = new Option<string?>("--duration") { Description = "Run this long (e.g. 30s, 2m) without a live display, print the final stats and exit 0" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Silo data directory (default: a fresh temporary one, removed at exit)" };
        var rps = new Option<int>("--rps") { Description = "Requests per second the traffic generator sends", DefaultValueFactory = _ => 20 };
        var adminAddr = new Option<string?>("--admin-addr") { Description = "Admin API / dashboard address (default 127.0.0.1:8085, or a free port if taken)" };
        var output = new Option<string>("--output", "-o") { Description = "Final stats as table or json", DefaultValueFactory = _ => "table" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Show the output of every process the demo starts" };
        var command = new Command("demo", "Run a local mesh: silo, bookstore services with sidecars, traffic over post-quantum mTLS, live golden metrics")
        {
            duration, dataDir, rps, adminAddr, output, verbose,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, () => RunAsync(context, new DemoOptions(
            ParseDuration(parse.GetValue(duration)), parse.GetValue(dataDir), parse.GetValue(rps), parse.GetValue(adminAddr),
            parse.GetValue(output) == "json", parse.GetValue(verbose)), ct), ct));
        return command;
    }

    private const int DefaultAdminPort = 8085;

    /// <summary>How long a headless run waits for the first reported request before starting its clock.</summary>
    private static readonly TimeSpan FirstStatsTimeout = TimeSpan.FromSeconds(60);

    private sealed record DemoOptions(TimeSpan? Duration, string? DataDir, int Rps, string? AdminAddr, bool Json, bool Verbose);

    private sealed record Role(string Workload, string ServiceAccount, string AppRole, string Version, double FailureRate,
        Dictionary<string, string> Labels, bool IsTraffic = false);

    private static readonly Role[] Roles =
    [
        new("authors", "authors", "authors", "v1", 0.05, new() { ["app"] = "authors" }),
        new("books-v1", "books", "books", "v1", 0, new() { ["app"] = "books", ["version"] = "v1" }),
        new("books-v2", "books", "books", "v2", 0, new() { ["app"] = "books", ["version"] = "v2" }),
        new("web", "web", "web", "v1", 0, new() { ["app"] = "web" }),
        new("traffic", "traffic", "traffic", "v1", 0, new() { ["app"] = "traffic" }, IsTraffic: true),
    ];

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
        ChildProcess? silo = null;
        AdminClient? client = null;
        try
        {
            var admin = options.AdminAddr ?? (FreePort.IsFree(DefaultAdminPort) ? $"127.0.0.1:{DefaultAdminPort}" : "127.0.0.1:0");
            if (options.AdminAddr is null && admin.EndsWith(":0", StringComparison.Ordinal))
                console.Note($"demo: 127.0.0.1:{DefaultAdminPort} is taken (another silo or demo?); the admin API and dashboard use a free port instead (printed below; --admin-addr picks one)");
            console.Note($"demo: starting the silo (data dir {dataDir})");
            silo = ChildProcess.Start("silo", cli.File, [.. cli.Prefix, "silo", "--admin", admin, "--control", "127.0.0.1:0", "--data-dir", dataDir],
                new Dictionary<string, string?> { ["MESH_REDIS"] = null }, echo);
            var adminUrl = (await silo.WaitForLineAsync(SiloAdmin, TimeSpan.FromSeconds(90), ct)).Groups[1].Value;
            var controlUrl = (await silo.WaitForLineAsync(SiloControl, TimeSpan.FromSeconds(30), ct)).Groups[1].Value;
            await silo.WaitForLineAsync(SiloReady, TimeSpan.FromSeconds(60), ct);
            var token = (await File.ReadAllTextAsync(Path.Combine(dataDir, SiloConnection.TokenFileName), ct)).Trim();
            client = new AdminClient(new SiloConnection(SiloConnection.ToUri(adminUrl, "silo"), SiloConnection.ToUri(controlUrl, "silo"), dataDir, token),
                TimeSpan.FromSeconds(30));

            await using (var yaml = typeof(DemoCommand).Assembly.GetManifestResourceStream("Mesh.Cli.Demo.bookstore.yaml")!)
                await client.ApplyAsync(await new StreamReader(yaml).ReadToEndAsync(ct), "default", dryRun: false, ct);
            console.Note("demo: applied the bookstore: services web, books (canary 90 % v1 / 10 % v2), books-v1, books-v2, authors");

            foreach (var role in Roles)
            {
                var appPort = FreePort.Next();
                var spec = new LocalWorkloadSpec(role.Labels["app"], "default", role.ServiceAccount, role.Workload, appPort, role.Labels,
                    FreePort.Next(), FreePort.Next(), FreePort.Next(), CreateServiceIfUnselected: false,
                    Services: role.IsTraffic ? [] : [role.Labels["app"]]);
                string[] args = role.IsTraffic
                    ? [.. cli.Prefix, "demo-traffic", "--target", "http://web.default.svc.cluster.local", "--rps", options.Rps.ToString(CultureInfo.InvariantCulture)]
                    : [.. cli.Prefix, "demo-app", "--role", role.AppRole, "--listen", $"127.0.0.1:{appPort}", "--version", role.Version,
                        "--failure-rate", role.FailureRate.ToString(CultureInfo.InvariantCulture)];
                workloads.Add(await LocalWorkload.StartAsync(spec, client, proxyBinary, (cli.File, args), echo, ct));
                console.Note($"demo: {role.Workload} is up (app :{appPort}, sidecar inbound :{spec.InboundPort}, admin :{spec.AdminPort})");
            }

            console.Note($"demo: dashboard {adminUrl.TrimEnd('/')}/   ·   try: MESH_DATA_DIR={dataDir} ./mesh stat   ·   Ctrl-C stops everything");
            if (options.Duration is { } d)
            {
                // The clock starts when traffic is seen, so a slow start (a loaded machine) does not eat the run.
                var stats = new DemoStats(client, DemoStats.WindowFor(d));
                if (!await stats.WaitForTrafficAsync(FirstStatsTimeout, ct))
                    console.Note($"demo: no traffic reported within {FirstStatsTimeout.TotalSeconds:0} s (is the machine overloaded? --verbose shows every process); measuring anyway");
                else
                    console.Note($"demo: traffic is flowing; measuring for {Output.Durations.Human(d)}");
                await Task.Delay(d, ct);
                var (services, edges) = await stats.FetchAsync(ct);
                if (options.Json) console.Out.WriteLine(new JsonObject { ["services"] = services.Json?.DeepClone(), ["edges"] = edges.Json?.DeepClone() }.ToJsonString());
                else DemoStats.Render(console.Ansi, services, edges, DemoStats.WindowFor(d));
                return ExitCodes.Ok;
            }
            await new DemoStats(client).LiveAsync(console.Ansi, ct);
            return ExitCodes.Ok;
        }
        finally
        {
            console.Note("demo: stopping");
            for (var i = workloads.Count - 1; i >= 0; i--)
            {
                try { await workloads[i].DisposeAsync(); }
                catch (Exception e) when (e is not OutOfMemoryException) { console.Error($"demo: stopping {workloads[i].Spec.WorkloadName}: {e.Message}"); }
            }
            client?.Dispose();
            if (silo is not null) await silo.DisposeAsync();
            if (tempDir is not null)
            {
                try { Directory.Delete(tempDir, recursive: true); }
                catch (IOException) { }
            }
        }
    }
}
