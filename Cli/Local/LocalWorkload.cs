using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Mesh.Abstractions.Resources;
using Mesh.Admin.Contract;
using Mesh.Cli.Connection;

namespace Mesh.Cli.Local;

/// <summary>What `mesh run` needs to mesh one local app. <see cref="Address"/> is where peers reach it: the sidecar's
/// inbound listens there and the Workload advertises it (loopback unless the app is on an address other hosts — or
/// network namespaces — route to).</summary>
internal sealed record LocalWorkloadSpec(
    string Service,
    string Namespace,
    string ServiceAccount,
    string WorkloadName,
    int AppPort,
    IReadOnlyDictionary<string, string> Labels,
    int InboundPort,
    int OutboundPort,
    int AdminPort,
    bool CreateServiceIfUnselected = true,
    IReadOnlyList<string>? Services = null,
    bool Tcp = false,
    string Address = "127.0.0.1");

/// <summary>A local app behind its own sidecar, registered with the silo as a Workload (the role a Pod plays in
/// Kubernetes): start the sidecar with a fresh workload token, wait until it is ready (certified, discovery up),
/// register the Workload (and a Service if none selects it), then start the app with HTTP_PROXY pointing at the
/// sidecar's outbound port. The Workload is a lease (<see cref="Lease"/>): re-applied every <see cref="RenewEvery"/>,
/// so a silo that lost it gets it back, and withdrawn by the silo when renewals stop (this process died).
/// Disposing undoes all of it, in reverse.</summary>
internal sealed class LocalWorkload : IAsyncDisposable
{
    /// <summary>How long the silo keeps the Workload without a renewal: three missed renewals.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(10);
    /// <summary>While the silo does not answer, renewals are tried this often, so a restarted silo is caught up quickly.</summary>
    public static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(2);

    private static readonly Regex Ready = new(@"^mesh-proxy: ready", RegexOptions.Compiled);
    private readonly AdminClient admin;
    private readonly List<Func<Task>> undo = [];
    private readonly CancellationTokenSource renewals = new();
    private JsonObject? service;
    private string? workloadJson;
    private TextWriter? notes;

    private LocalWorkload(LocalWorkloadSpec spec, AdminClient admin)
    {
        Spec = spec;
        this.admin = admin;
    }

    public LocalWorkloadSpec Spec { get; }
    public ChildProcess? Proxy { get; private set; }
    public ChildProcess? App { get; private set; }
    public string OutboundProxyUrl => $"http://127.0.0.1:{Spec.OutboundPort}";

    public static async Task<LocalWorkload> StartAsync(LocalWorkloadSpec spec, AdminClient admin, string proxyBinary,
        (string File, string[] Args)? app, TextWriter? echo, CancellationToken ct)
    {
        var workload = new LocalWorkload(spec, admin);
        try
        {
            workload.notes = echo;
            await workload.StartProxyAsync(proxyBinary, echo, ct);
            await workload.RegisterAsync(ct);
            workload.StartRenewals();
            if (app is { } command) workload.StartApp(command.File, command.Args, echo);
            return workload;
        }
        catch
        {
            await workload.DisposeAsync();
            throw;
        }
    }

    private async Task StartProxyAsync(string proxyBinary, TextWriter? echo, CancellationToken ct)
    {
        var token = (await admin.IssueTokenAsync(Spec.Namespace, Spec.ServiceAccount, null, ct)).Token
            ?? throw new CliException("the silo answered the token request without a token");
        var connection = admin.Connection;
        // The silo's trust domain names this workload's identity and the silo's own (a linked cluster has its own).
        var trustDomain = (await admin.InfoAsync(ct)).Value.TrustDomain;
        string[] args =
        [
            "--namespace", Spec.Namespace,
            "--workload", Spec.WorkloadName,
            "--service-account", Spec.ServiceAccount,
            "--inbound-addr", new System.Net.IPEndPoint(System.Net.IPAddress.Parse(Spec.Address), Spec.InboundPort).ToString(),
            "--outbound-addr", $"127.0.0.1:{Spec.OutboundPort}",
            "--admin-addr", $"127.0.0.1:{Spec.AdminPort}",
            "--app-addr", $"127.0.0.1:{Spec.AppPort}",
            "--control-addr", connection.Control.ToString().TrimEnd('/'),
            "--trust-anchors", Path.Combine(connection.DataDirectory, "trust-anchors.pem"),
            "--services", string.Join(',', Spec.Services ?? [Spec.Service]),
            .. trustDomain is null ? Array.Empty<string>() : ["--trust-domain", trustDomain],
        ];
        Proxy = ChildProcess.Start($"{Spec.WorkloadName}/proxy", proxyBinary, args,
            new Dictionary<string, string?> { ["MESH_PROXY_TOKEN"] = token }, echo);
        undo.Add(() => Proxy.StopAsync(TimeSpan.FromSeconds(10)));
        await Proxy.WaitForLineAsync(Ready, TimeSpan.FromSeconds(60), ct);
    }

    private async Task RegisterAsync(CancellationToken ct)
    {
        var labels = new JsonObject();
        foreach (var (k, v) in Spec.Labels) labels[k] = v;
        var workload = new JsonObject
        {
            ["apiVersion"] = "mesh.io/v1alpha1",
            ["kind"] = "Workload",
            ["metadata"] = new JsonObject
            {
                ["name"] = Spec.WorkloadName, ["namespace"] = Spec.Namespace, ["labels"] = labels,
                ["annotations"] = new JsonObject
                {
                    [MeshAnnotations.WorkloadLease] = ((int)Lease.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
                },
            },
            ["spec"] = new JsonObject
            {
                ["serviceAccount"] = Spec.ServiceAccount,
                ["addresses"] = new JsonArray(Spec.Address),
                ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = Spec.AppPort }),
                ["proxy"] = new JsonObject { ["inboundPort"] = Spec.InboundPort, ["adminPort"] = Spec.AdminPort },
            },
        };
        if (Spec.CreateServiceIfUnselected && !await AnyServiceSelectsAsync(ct))
        {
            service = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Service",
                ["metadata"] = new JsonObject { ["name"] = Spec.Service, ["namespace"] = Spec.Namespace },
                ["spec"] = new JsonObject
                {
                    ["selector"] = new JsonObject { ["app"] = Spec.Labels.GetValueOrDefault("app", Spec.Service) },
                    ["ports"] = new JsonArray(Spec.Tcp
                        // Raw TCP: the port is opaque (no protocol detection; CONNECT tunnels and transparent TCP to it).
                        ? new JsonObject { ["name"] = "tcp", ["port"] = Spec.AppPort, ["targetPort"] = "http", ["appProtocol"] = "tcp" }
                        : new JsonObject { ["name"] = "http", ["port"] = Spec.AppPort, ["targetPort"] = "http" }),
                },
            };
            await admin.ApplyAsync(service.ToJsonString(), Spec.Namespace, dryRun: false, ct);
            undo.Add(() => DeleteQuietlyAsync("services", Spec.Service));
        }
        workloadJson = workload.ToJsonString();
        await admin.ApplyAsync(workloadJson, Spec.Namespace, dryRun: false, ct);
        undo.Add(() => DeleteQuietlyAsync("workloads", Spec.WorkloadName));
    }

    /// <summary>Re-applies the Workload until disposed: an unchanged apply only renews the lease; one the silo answers
    /// "created" means it had lost it (restarted without its state, or expired it while this process was stopped), and
    /// the Service this process created is put back too.</summary>
    private void StartRenewals()
    {
        var token = renewals.Token;
        var loop = Task.Run(async () =>
        {
            var failing = false;
            while (!token.IsCancellationRequested)
            {
                try { await Task.Delay(failing ? RetryEvery : RenewEvery, token); }
                catch (OperationCanceledException) { return; }
                try
                {
                    var results = await admin.ApplyAsync(workloadJson!, Spec.Namespace, dryRun: false, token);
                    var recreated = (results.Results ?? []).Any(r => r?.Action == ResourceActions.Created);
                    if (recreated && service is not null)
                        await admin.ApplyAsync(service.ToJsonString(), Spec.Namespace, dryRun: false, token);
                    if (failing || recreated)
                        notes?.WriteLine($"mesh: {Spec.Namespace}/{Spec.WorkloadName}: " + (recreated ? "the silo had lost this workload; registered it again" : "the silo answers again; lease renewed"));
                    failing = false;
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested) { return; }
                catch (Exception e) when (e is CliException or HttpRequestException or OperationCanceledException)
                {
                    if (!failing)
                        notes?.WriteLine($"mesh: {Spec.Namespace}/{Spec.WorkloadName}: could not renew the workload's lease ({e.Message}); retrying every {RetryEvery.TotalSeconds:0} s, traffic keeps flowing");
                    failing = true;
                }
            }
        });
        // Stopped before the Workload is deleted (undo runs in reverse), so no renewal re-creates it afterwards.
        undo.Add(async () =>
        {
            await renewals.CancelAsync();
            await loop;
        });
    }

    /// <summary>Completes when the app or the sidecar exits, and says which: without its sidecar the app is cut off
    /// from the mesh, so `mesh run` stops it and withdraws the Workload instead of leaving a dead endpoint.</summary>
    public async Task<ChildProcess> WaitForExitAsync(CancellationToken ct)
    {
        var waits = new List<Task<ChildProcess>>();
        if (Proxy is { } proxy) waits.Add(proxy.WaitForExitAsync(ct).ContinueWith(_ => proxy, CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default));
        if (App is { } app) waits.Add(app.WaitForExitAsync(ct).ContinueWith(_ => app, CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default));
        if (waits.Count == 0) { await Task.Delay(Timeout.Infinite, ct); throw new OperationCanceledException(ct); }
        var first = await Task.WhenAny(waits);
        ct.ThrowIfCancellationRequested();
        return await first;
    }

    private async Task<bool> AnyServiceSelectsAsync(CancellationToken ct)
    {
        foreach (var item in await admin.ListAsync("services", Spec.Namespace, ct))
        {
            if (item?["spec"]?["selector"] is not JsonObject selector || selector.Count == 0) continue;
            if (selector.All(kv => Spec.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value?.GetValue<string>())) return true;
        }
        return false;
    }

    private void StartApp(string file, string[] args, TextWriter? echo)
    {
        var proxy = OutboundProxyUrl;
        App = ChildProcess.Start(Spec.WorkloadName, file, args, new Dictionary<string, string?>
        {
            ["HTTP_PROXY"] = proxy,
            ["http_proxy"] = proxy,
            ["NO_PROXY"] = null,
            ["no_proxy"] = null,
            ["MESH_WORKLOAD"] = Spec.WorkloadName,
            ["PORT"] = Spec.AppPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, echo);
        // Right after the sidecar's own stop in the undo list: on exit the Workload is withdrawn first (no new
        // traffic is sent to it), then the app is stopped, then its sidecar.
        undo.Insert(1, () => App.StopAsync(TimeSpan.FromSeconds(5)));
    }

    private async Task DeleteQuietlyAsync(string kind, string name)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await admin.DeleteAsync(kind, Spec.Namespace, name, timeout.Token);
        }
        catch (Exception e) when (e is CliException or OperationCanceledException or HttpRequestException)
        {
            // The silo may already be gone (demo shutdown); nothing is left to clean there then.
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Every step runs even if one fails: a leaked sidecar is worse than a missed log line.
        for (var i = undo.Count - 1; i >= 0; i--)
        {
            try { await undo[i](); }
            catch (Exception e) when (e is not OutOfMemoryException) { Console.Error.WriteLine($"mesh: cleanup of {Spec.WorkloadName}: {e.Message}"); }
        }
        undo.Clear();
        renewals.Dispose();
        if (App is not null) await App.DisposeAsync();
        if (Proxy is not null) await Proxy.DisposeAsync();
    }
}
