using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Mesh.Cli.Local;
using Mesh.Cli.Tests.Fakes;
using Xunit.Abstractions;

using static Mesh.Cli.Tests.EndToEnd.EndToEndSupport;

namespace Mesh.Cli.Tests.EndToEnd;

/// <summary>Local mode under faults, all real processes: `mesh silo` on fixed free ports and a data dir, two apps
/// (python3 http.server) each under `mesh run` with its own sidecar, traffic from one app's sidecar to the other.
/// SIGKILL of the silo mid-traffic fails no request; the silo restarted on the same data dir serves everything it had
/// (resources, workloads with their leases) and a new apply reaches the proxies; a killed sidecar stops its
/// `mesh run` and withdraws its Workload before `mesh run` exits; a killed app gets callers a fast 502/503 with
/// `mesh-error` and its cause.</summary>
[Trait("Category", "E2E")]
public sealed class SiloRestartEndToEndTests(ITestOutputHelper log) : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private static readonly string Mesh = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "mesh.exe" : "mesh");

    private readonly TestCli _cli = new();
    private readonly int _adminPort = FreePort(), _controlPort = FreePort();
    private readonly List<ChildProcess> _children = [];

    public void Dispose()
    {
        foreach (var child in Enumerable.Reverse(_children)) child.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _cli.Dispose();
    }

    private Dictionary<string, string?> Environment() => new()
    {
        ["MESH_DATA_DIR"] = _cli.DataDirectory, ["MESH_PROXY_BIN"] = BuiltProxy.Path(), ["MESH_ADMIN_ADDR"] = null,
        ["MESH_CONTROL_ADDR"] = null, ["MESH_TOKEN"] = null, ["MESH_REDIS"] = null, ["MESH_EPHEMERAL"] = null, ["NO_COLOR"] = "1",
    };

    private async Task<ChildProcess> StartSiloAsync()
    {
        var silo = ChildProcess.Start("silo", Mesh,
            ["silo", "--admin-addr", $"127.0.0.1:{_adminPort}", "--control-addr", $"127.0.0.1:{_controlPort}", "--data-dir", _cli.DataDirectory],
            Environment());
        _children.Add(silo);
        await silo.WaitForLineAsync(new Regex("mesh-silo: ready"), Deadline);
        return silo;
    }

    /// <summary>`mesh run NAME --port P [extra] -- python3 -m http.server P` as a child process, once it says it runs.</summary>
    private async Task<ChildProcess> RunAppAsync(string name, int port, params string[] extra)
    {
        var run = ChildProcess.Start(name, Mesh,
            ["run", name, "--port", Text(port), .. extra, "--", "python3", "-m", "http.server", Text(port), "--bind", "127.0.0.1"],
            Environment());
        _children.Add(run);
        await run.WaitForLineAsync(new Regex("Ctrl-C stops it"), Deadline);
        return run;
    }

    [Fact]
    public async Task SiloKilledAndRestarted_SameDataDir_NoRequestFailsAndEverythingIsBack()
    {
        var silo = await StartSiloAsync();
        var booksPort = FreePort();
        var outbound = FreePort();
        var booksRun = await RunAppAsync("books", booksPort);
        var clientRun = await RunAppAsync("client", FreePort(), "--outbound-port", Text(outbound));
        using var http = new HttpClient(new HttpClientHandler { Proxy = new WebProxy($"http://127.0.0.1:{outbound}"), UseProxy = true })
        {
            Timeout = TimeSpan.FromSeconds(10),
        };
        var books = $"http://books.default.svc.cluster.local:{booksPort}/";
        await UntilAsync(async () => await OkAsync(http, books), () => $"books reachable through the client sidecar\n{Tail(silo)}");

        // A resource nobody re-applies: only durable storage brings it back after the restart.
        _cli.Stdin = """
            apiVersion: v1
            kind: Service
            metadata: {name: catalog}
            spec: {selector: {app: catalog}, ports: [{name: http, port: 9000}]}
            """;
        var staticApply = await _cli.RunAsync("apply", "-f", "-");
        Assert.True(staticApply.ExitCode == 0, staticApply.ToString());
        var before = await _cli.RunAsync("get", "workloads", "-o", "json");
        Assert.True(before.ExitCode == 0, before.ToString());
        var workloads = Names(before.Out);
        Assert.Equal(2, workloads.Count);

        // Bounded load on an existing route: sequential requests through the client's sidecar, until told to stop
        // (at most 5,000 requests or 3 minutes).
        var ok = 0;
        var failures = new List<string>();
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var load = Task.Run(async () =>
        {
            for (var i = 0; i < 5000 && !stop.IsCancellationRequested; i++)
            {
                try
                {
                    using var response = await http.GetAsync(books, CancellationToken.None);
                    if (response.IsSuccessStatusCode) Interlocked.Increment(ref ok);
                    else lock (failures) failures.Add($"{(int)response.StatusCode} {string.Join(',', response.Headers.TryGetValues("mesh-error", out var e) ? e : [])}");
                }
                catch (HttpRequestException e) { lock (failures) failures.Add(e.Message); }
                catch (TaskCanceledException e) { lock (failures) failures.Add("timeout: " + e.Message); }
            }
        });
        await UntilAsync(() => Task.FromResult(Volatile.Read(ref ok) >= 20), () => "load started");

        Process.GetProcessById(silo.Id).Kill(); // SIGKILL: no shutdown, no flush
        await silo.WaitForExitAsync(CancellationToken.None);
        var atKill = Volatile.Read(ref ok);
        await UntilAsync(() => Task.FromResult(Volatile.Read(ref ok) >= atKill + 50), () => "traffic while the silo is down");

        var restarted = Stopwatch.StartNew();
        var silo2 = await StartSiloAsync();
        var ready = restarted.Elapsed;
        Assert.Contains(silo2.Output, l => l.Contains("storage sqlite", StringComparison.Ordinal));
        var atRestart = Volatile.Read(ref ok);
        await UntilAsync(() => Task.FromResult(Volatile.Read(ref ok) >= atRestart + 50), () => "traffic after the restart");

        // Everything the silo had is served again: both workloads (with their leases, renewed by their `mesh run`).
        var after = await _cli.RunAsync("get", "workloads", "-o", "json");
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.Equal(workloads, Names(after.Out));
        Assert.All(JsonNode.Parse(after.Out)!.AsArray(), w => Assert.Equal(30, w!["status"]!["lease"]!["seconds"]!.GetValue<long>()));
        var catalog = await _cli.RunAsync("get", "service", "catalog", "-o", "json");
        Assert.True(catalog.ExitCode == 0, catalog.ToString());
        // They were never lost (nothing had to register again).
        Assert.DoesNotContain(booksRun.Output.Concat(clientRun.Output), l => l.Contains("had lost this workload", StringComparison.Ordinal));

        // A new apply reaches the proxies through the restarted silo's discovery.
        _cli.Stdin = $$"""
            apiVersion: v1
            kind: Service
            metadata: {name: shelf}
            spec: {selector: {app: books}, ports: [{name: http, port: {{booksPort}}, targetPort: http}]}
            """;
        var applied = await _cli.RunAsync("apply", "-f", "-");
        Assert.True(applied.ExitCode == 0, applied.ToString());
        var applyClock = Stopwatch.StartNew();
        await UntilAsync(async () => await OkAsync(http, $"http://shelf.default.svc.cluster.local:{booksPort}/"), () => $"the new service through the client sidecar\n{Tail(silo2)}");
        var newApply = applyClock.Elapsed;

        await stop.CancelAsync();
        await load;
        log.WriteLine($"silo restart to ready {ready.TotalMilliseconds:0} ms; new apply reached the proxies in {newApply.TotalMilliseconds:0} ms; " +
            $"{ok} requests ok, {failures.Count} failed");
        Assert.True(failures.Count == 0, $"{failures.Count} of {ok + failures.Count} requests failed: {string.Join("; ", failures.Distinct().Take(5))}");
    }

    [Fact]
    public async Task SidecarKilled_UnderMeshRun_AppStoppedAndWorkloadWithdrawnBeforeExit()
    {
        await StartSiloAsync();
        var run = await RunAppAsync("books", FreePort());
        var children = Children(run.Id);
        await UntilAsync(() => Task.FromResult((children = Children(run.Id)).Count(p => p.Name == "mesh-proxy") == 1 && children.Count(p => p.Name != "mesh-proxy") == 1),
            () => $"the sidecar and the app as children of mesh run ({run.Id}): {string.Join(", ", children)}\n{Tail(run)}");
        var proxy = children.Single(p => p.Name == "mesh-proxy");
        var app = children.Single(p => p.Name != "mesh-proxy");
        Assert.Single(Names((await _cli.RunAsync("get", "workloads", "-o", "json")).Out));

        Process.GetProcessById(proxy.Pid).Kill();

        using (var exited = new CancellationTokenSource(Deadline)) await run.WaitForExitAsync(exited.Token);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains(run.Output, l => l.Contains("the sidecar exited", StringComparison.Ordinal));
        // Withdrawn before `mesh run` exited: nothing to wait for.
        var after = await _cli.RunAsync("get", "workloads", "-o", "json");
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.Empty(Names(after.Out));
        Assert.False(Alive(app.Pid), "the app still runs without its sidecar");
    }

    [Fact]
    public async Task AppKilled_UnderMeshRun_CallsFailFastWithMeshErrorNamingTheCause()
    {
        await StartSiloAsync();
        var booksPort = FreePort();
        var outbound = FreePort();
        var booksRun = await RunAppAsync("books", booksPort);
        await RunAppAsync("client", FreePort(), "--outbound-port", Text(outbound));
        using var http = new HttpClient(new HttpClientHandler { Proxy = new WebProxy($"http://127.0.0.1:{outbound}"), UseProxy = true })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var books = $"http://books.default.svc.cluster.local:{booksPort}/";
        await UntilAsync(async () => await OkAsync(http, books), () => $"books reachable through the client sidecar\n{Tail(booksRun)}");
        var app = Children(booksRun.Id).Single(p => p.Name != "mesh-proxy");

        Process.GetProcessById(app.Pid).Kill(); // SIGKILL the app only; its sidecar and `mesh run` react on their own
        await UntilAsync(() => Task.FromResult(!Alive(app.Pid)), () => "the app gone");

        // At once (the sidecar may still forward: the app's port refuses) and once `mesh run` withdrew the endpoint:
        // each answer is quick (a hang would be a connect timeout), a 502/503 with mesh-error and a body naming the cause.
        await AssertFailsFastAsync(http, books, booksPort);
        using (var exited = new CancellationTokenSource(Deadline)) await booksRun.WaitForExitAsync(exited.Token);
        await AssertFailsFastAsync(http, books, booksPort);
    }

    private async Task AssertFailsFastAsync(HttpClient http, string url, int appPort)
    {
        var clock = Stopwatch.StartNew();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        using var response = await http.GetAsync(url, bound.Token);
        var body = await response.Content.ReadAsStringAsync(bound.Token);
        var error = response.Headers.TryGetValues("mesh-error", out var values) ? string.Join(',', values) : "";
        log.WriteLine($"{(int)response.StatusCode} mesh-error: {error} in {clock.ElapsedMilliseconds} ms: {body.Trim()}");
        Assert.True(response.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode}: {body}");
        Assert.NotEqual("", error);
        // The sidecar still forwarding (its app's port refuses), or the endpoint withdrawn with the stopped `mesh run`.
        Assert.True(body.Contains($"app on 127.0.0.1:{appPort}: could not connect", StringComparison.Ordinal)
            || body.Contains("no ready endpoints", StringComparison.Ordinal) || body.Contains("not found in the mesh", StringComparison.Ordinal),
            $"the body names no cause: {body}");
    }

    private static async Task<bool> OkAsync(HttpClient http, string url)
    {
        try
        {
            using var response = await http.GetAsync(url);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return false; }
    }

    private static List<string> Names(string json) =>
        [.. (JsonNode.Parse(json) is JsonArray items ? items : JsonNode.Parse(json)?["items"]?.AsArray() ?? [])
            .Select(n => n!["metadata"]!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal)];

    /// <summary>Direct children of a process, from /proc (name = the kernel's comm, at most 15 characters).</summary>
    private static List<(int Pid, string Name)> Children(int parent)
    {
        var children = new List<(int, string)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            string stat;
            try { stat = File.ReadAllText(Path.Combine(dir, "stat")); }
            catch (IOException) { continue; }
            var close = stat.LastIndexOf(')');
            var fields = stat[(close + 2)..].Split(' ');
            if (int.Parse(fields[1], CultureInfo.InvariantCulture) == parent)
                children.Add((pid, stat[(stat.IndexOf('(') + 1)..close]));
        }
        return children;
    }

    private static bool Alive(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat)) return false;
        try { return !File.ReadAllText(stat).Contains(") Z ", StringComparison.Ordinal); }
        catch (IOException) { return false; }
    }

    private static string Tail(ChildProcess p) => string.Join('\n', p.Output.TakeLast(20));
}
