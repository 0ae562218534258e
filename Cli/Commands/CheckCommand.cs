using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Mesh.Admin.Contract;
using Mesh.Cli.Connection;
using Mesh.Cli.Kubernetes.Check;
using Mesh.Cli.Output;
using Spectre.Console;

namespace Mesh.Cli.Commands;

/// <summary>`mesh check`: checks the control plane, the CA and every proxy, printing √ / ‼ / × per check and, for each
/// failure, how to fix it (cf. `linkerd check`). Exit 1 when a check fails, 2 when the silo cannot be reached.</summary>
internal static class CheckCommand
{
    /// <summary>The mesh's certificate clock-skew allowance (ARCHITECTURE §4): beyond it fresh certificates look
    /// not-yet-valid to a peer.</summary>
    public static readonly TimeSpan SkewAllowance = TimeSpan.FromSeconds(20);

    /// <summary>A proxy that has not reported for this long counts as gone.</summary>
    public static readonly TimeSpan ReportDeadline = TimeSpan.FromSeconds(30);

    private const string Silo = "mesh-silo", Identity = "identity", Proxies = "proxies";

    public static Command Create(CliContext context)
    {
        var output = OutputFormat.CreateOption("text", OutputFormat.Json);
        var kubernetes = new Option<bool>("--kubernetes") { Description = "Also check the cluster: API, CRDs, RBAC, silo pods, webhook, identity Secrets, the sync, un-injected pods" };
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "kubeconfig file (default: KUBECONFIG, else ~/.kube/config)", HelpName = "file" };
        var kubeContext = new Option<string?>("--context") { Description = "kubeconfig context (default: its current-context)", HelpName = "name" };
        var command = new Command("check", "Check the silo, its storage, the CA and every proxy (--kubernetes: and the cluster); say how to fix what fails")
        {
            output, kubernetes, kubeconfig, kubeContext,
        };
        command.Validators.Add(result =>
        {
            if (!result.GetValue(kubernetes) && (result.GetValue(kubeconfig) is not null || result.GetValue(kubeContext) is not null))
                result.AddError("--kubeconfig and --context need --kubernetes");
        });
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, () => RunAsync(context, parse.GetValue(output) == OutputFormat.Json,
            parse.GetValue(kubernetes) ? new KubernetesTarget(parse.GetValue(kubeconfig), parse.GetValue(kubeContext)) : null, ct), ct));
        return command;
    }

    /// <summary>`--kubernetes` with its kubectl-style flags.</summary>
    private sealed record KubernetesTarget(string? Kubeconfig, string? Context);

    private static async Task<int> RunAsync(CliContext context, bool json, KubernetesTarget? kubernetes, CancellationToken ct)
    {
        var console = context.Console;
        var results = new List<CheckResult>();
        void Report(CheckResult result)
        {
            if (!json)
                Print(console, result, results.Count == 0 ? null : results[^1].Category);
            results.Add(result);
        }

        using var admin = AdminClient.Create(context);
        var grace = ParseGrace(context.GetEnvironmentVariable("MESH_CHECK_VERSION_GRACE"));
        var reachable = true;
        async Task All(Action<string> progress)
        {
            var pods = kubernetes is null ? null : await KubernetesAsync(context, kubernetes, progress, Report, ct);
            reachable = await RunChecksAsync(admin, grace, kubernetes is not null, progress, Report, ct);
            if (reachable && kubernetes is not null)
            {
                progress("reading the silo's Kubernetes sync…");
                foreach (var result in await SyncAsync(admin, ct)) Report(result);
            }
            if (reachable && pods is not null)
            {
                progress("checking each meshed pod's proxy…");
                foreach (var result in await PodProxiesAsync(admin, pods, ct)) Report(result);
            }
        }
        if (!json && console.Ansi.Profile.Capabilities.Interactive)
            await console.Ansi.Status().Spinner(Spinner.Known.Dots).StartAsync("checking the mesh…", status => All(s => status.Status(s.EscapeMarkup())));
        else
            await All(_ => { });

        var failed = results.Count(r => r.Status == CheckStatus.Fail);
        var warned = results.Count(r => r.Status == CheckStatus.Warn);
        if (json)
        {
            console.Out.WriteLine(Json.Write(new JsonObject
            {
                ["ok"] = failed == 0,
                ["checks"] = new JsonArray(results.Select(r => (JsonNode)new JsonObject
                {
                    ["category"] = r.Category,
                    ["name"] = r.Name,
                    ["status"] = r.Status.ToString().ToLowerInvariant(),
                    ["detail"] = r.Detail,
                    ["fix"] = r.Fix,
                }).ToArray()),
            }));
        }
        else
        {
            console.Ansi.WriteLine();
            var summary = failed > 0
                ? $"[red]×[/] {failed} check{(failed == 1 ? "" : "s")} failed" + (warned > 0 ? $", {warned} warning{(warned == 1 ? "" : "s")}" : "")
                : warned > 0 ? $"[green]√[/] all checks passed, [yellow]{warned} warning{(warned == 1 ? "" : "s")}[/]" : "[green]√[/] all checks passed";
            console.Ansi.MarkupLine("Status check results: " + summary);
        }
        return !reachable ? ExitCodes.SiloUnreachable : failed > 0 ? ExitCodes.UserError : ExitCodes.Ok;
    }

    /// <summary>The cluster's checks (<see cref="KubernetesChecks"/>); a kubeconfig that cannot be used is one failed line.
    /// Returns the cluster's pods (null when they could not be listed).</summary>
    private static async Task<IReadOnlyList<k8s.Models.V1Pod>?> KubernetesAsync(CliContext context, KubernetesTarget target, Action<string> progress, Action<CheckResult> report, CancellationToken ct)
    {
        var (kube, failure) = KubeTarget.Connect(context, target.Kubeconfig, target.Context);
        if (kube is null)
        {
            report(failure!);
            return null;
        }
        using (kube)
        {
            var checks = new KubernetesChecks(kube, () => TimeProvider.System.GetUtcNow());
            await checks.RunAsync(progress, report, ct);
            return checks.Pods;
        }
    }

    /// <summary>The silo's proxy rows joined with the cluster's meshed pods, judged by <see cref="PodProxyCheck"/> in the
    /// silo's trust domain.</summary>
    private static async Task<List<CheckResult>> PodProxiesAsync(AdminClient admin, IReadOnlyList<k8s.Models.V1Pod> pods, CancellationToken ct)
    {
        try
        {
            var proxies = await admin.ProxiesAsync(ct);
            var trustDomain = (await admin.InfoAsync(ct)).Value.TrustDomain is { Length: > 0 } td ? td : Names.SpiffeId.DefaultTrustDomain;
            return PodProxyCheck.Evaluate(pods, proxies, trustDomain);
        }
        catch (AdminProblemException e)
        {
            return [new(PodProxyCheck.Category, "meshed pods' proxies are certified", CheckStatus.Warn, $"not checked: {e.Problem.Summary}", "upgrade the silo: it does not serve /api/v1/proxies and /api/v1/info")];
        }
    }

    /// <summary>`GET /api/v1/kubernetes/sync` of the silo asked, judged by <see cref="SyncStatusCheck"/>.</summary>
    private static async Task<List<CheckResult>> SyncAsync(AdminClient admin, CancellationToken ct)
    {
        try
        {
            return SyncStatusCheck.Evaluate((await admin.KubernetesSyncAsync(ct)).Value);
        }
        catch (AdminProblemException e)
        {
            return [new(SyncStatusCheck.Category, "the silo syncs from Kubernetes", CheckStatus.Fail, e.Problem.Summary, "upgrade the silo: it does not serve /api/v1/kubernetes/sync")];
        }
    }

    /// <summary>Runs every check in order, reporting each as it completes; false when the silo cannot be reached
    /// (nothing after that can be checked).</summary>
    private static async Task<bool> RunChecksAsync(AdminClient admin, TimeSpan? grace, bool kubernetes, Action<string> progress, Action<CheckResult> report, CancellationToken ct)
    {
        progress("reaching the silo…");
        AdminResponse health;
        var sent = TimeProvider.System.GetUtcNow();
        try
        {
            health = await admin.HealthAsync(ct);
        }
        catch (SiloUnreachableException e)
        {
            var reason = e.Hint?.Split("; ", 2) is [var first, _] ? first : "no answer";
            report(new(Silo, "silo is reachable", CheckStatus.Fail, $"{e.Address}: {reason}", kubernetes
                ? $"reach the silos' admin Service: kubectl -n {Names.KubernetesObjects.Namespace} port-forward svc/{Names.KubernetesObjects.AdminService} {Names.KubernetesObjects.AdminPort}, then MESH_ADMIN_ADDR=127.0.0.1:{Names.KubernetesObjects.AdminPort}"
                : "start it with: ./mesh silo; if it runs elsewhere, set MESH_ADMIN_ADDR, or MESH_DATA_DIR to the data dir it uses"));
            return false;
        }
        var received = TimeProvider.System.GetUtcNow();
        report(new(Silo, "silo is reachable", CheckStatus.Ok, admin.Connection.Admin.ToString().TrimEnd('/')));

        progress("checking storage…");
        report(await StorageAsync(admin, health, ct));
        report(Skew(health.Date, sent, received));

        progress("checking the trust anchor and issuer…");
        foreach (var result in await IdentityAsync(admin, ct))
            report(result);

        progress("checking proxies…");
        foreach (var result in await ProxiesAsync(admin, ct))
            report(result);

        progress("comparing what proxies serve with what the silo holds…");
        foreach (var result in await StateAsync(admin, grace, ct))
            report(result);
        return true;
    }

    private static async Task<List<CheckResult>> StateAsync(AdminClient admin, TimeSpan? grace, CancellationToken ct)
    {
        try
        {
            var proxies = await admin.ProxiesAsync(ct);
            var proxiesAt = TimeProvider.System.GetUtcNow();
            var workloads = await admin.ListAsync("workloads", null, ct);
            var services = await admin.ListAsync("services", null, ct);
            var storage = (await admin.InfoAsync(ct)).Value.Storage;
            var resources = CheckState.Compare(proxies, workloads, services, storage);
            return CheckState.Merge(resources, await VersionsAsync(admin, proxies, proxiesAt, storage, grace, ct));
        }
        catch (AdminProblemException e) when (e.Status == HttpStatusCode.NotFound)
        {
            return [new(CheckState.Category, "proxies serve what the silo holds", CheckStatus.Warn, $"not compared: {e.Problem.Summary}", "upgrade the silo")];
        }
    }

    /// <summary>Most services whose views one `mesh check` reads.</summary>
    private const int MaxComparedServices = 64;

    /// <summary>The version comparison: reads the silo's view of each service the proxies serve, then, when a proxy
    /// lags, waits (bounded) for a report made a grace period after that read, so a change still propagating is
    /// never called stuck.</summary>
    private static async Task<List<CheckResult>> VersionsAsync(AdminClient admin, List<ProxyStatusRow> proxies, DateTimeOffset proxiesAt, string? storage, TimeSpan? grace, CancellationToken ct)
    {
        var keys = proxies.SelectMany(p => p.Served ?? [])
            .Where(v => v is { Exists: true })
            .Select(v => CheckState.ServiceOf(v.CanonicalAuthority))
            .OfType<(string Namespace, string Name)>()
            .Distinct().Take(MaxComparedServices).ToList();
        if (keys.Count == 0) return [];
        var held = new Dictionary<string, CheckState.HeldVersions?>(StringComparer.Ordinal);
        foreach (var (ns, name) in keys)
        {
            try
            {
                var view = (await admin.DescribeServiceAsync(ns, name, ct)).Value;
                held[$"{ns}/{name}"] = new(view.Endpoints?.Version ?? 0, view.Profile?.Version ?? 0);
            }
            catch (AdminProblemException e) when (e.Status == HttpStatusCode.NotFound)
            {
                held[$"{ns}/{name}"] = null;
            }
        }
        var readAt = TimeProvider.System.GetUtcNow();
        var first = CheckState.CompareVersions(Reports(proxies, proxiesAt, readAt), held, storage, grace, out var pending);
        if (!pending) return first;

        // Wait for reports made after the read plus the grace: the longest grace of any proxy and a few intervals more.
        var longest = grace ?? proxies.Select(CheckState.VersionGrace).DefaultIfEmpty(CheckState.MinVersionGrace).Max();
        var deadline = readAt + longest + TimeSpan.FromSeconds(10);
        var last = first;
        while (pending && TimeProvider.System.GetUtcNow() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
            var again = await admin.ProxiesAsync(ct);
            last = CheckState.CompareVersions(Reports(again, TimeProvider.System.GetUtcNow(), readAt), held, storage, grace, out pending);
        }
        // Newer-than-the-silo is decided on the reports made before the read; everything else on the latest ones.
        return [.. last.Select(r => first.FirstOrDefault(f => f.Name == r.Name && f.Status == CheckStatus.Fail) ?? r)];
    }

    private static List<CheckState.Report> Reports(List<ProxyStatusRow> proxies, DateTimeOffset receivedAt, DateTimeOffset readAt) =>
        [.. proxies.Select(p => new CheckState.Report(p, (long)(receivedAt - readAt).TotalMilliseconds - p.LastReportAgeMs))];

    /// <summary>MESH_CHECK_VERSION_GRACE (e.g. "6s", "500ms"): how long a proxy may lag the silo; default per proxy.</summary>
    private static TimeSpan? ParseGrace(string? text) =>
        text is null ? null
        : text.EndsWith("ms", StringComparison.Ordinal) && double.TryParse(text[..^2], NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) ? TimeSpan.FromMilliseconds(ms)
        : text.EndsWith('s') && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? TimeSpan.FromSeconds(s)
        : null;

    private static async Task<CheckResult> StorageAsync(AdminClient admin, AdminResponse health, CancellationToken ct)
    {
        string? storage = null;
        try
        {
            storage = (await admin.InfoAsync(ct)).Value.Storage;
        }
        catch (AdminProblemException)
        {
            // Older silo without /api/v1/info: /healthz alone decides.
        }
        var kind = storage ?? "unknown storage";
        if (health.Status == HttpStatusCode.OK)
            return new(Silo, "silo and storage are healthy", CheckStatus.Ok,
                string.Equals(storage, "memory", StringComparison.OrdinalIgnoreCase) ? "memory: --ephemeral, every resource is lost when the silo stops" : kind);
        var why = health.Body.Trim() is { Length: > 0 } body ? body : $"/healthz answered {(int)health.Status} {health.Reason}";
        var fix = why.Contains("redis", StringComparison.OrdinalIgnoreCase) || string.Equals(storage, "redis", StringComparison.OrdinalIgnoreCase)
            ? "start Redis (redis-server) or point the silo at a reachable one (--redis / MESH_REDIS), then run mesh check again"
            : why.StartsWith("silo is", StringComparison.Ordinal)
                ? "the silo is not active in its cluster (still starting or shutting down): wait a few seconds, else read its log"
                : "read the silo's log for the cause";
        return new(Silo, "silo and storage are healthy", CheckStatus.Fail, $"{kind}: {why}", fix);
    }

    /// <summary>This machine's clock against the silo's HTTP Date header. The header has whole seconds and the answer
    /// took time to arrive, so the silo's clock was somewhere in [date, date + 1 s) while ours was in [sent, received];
    /// the skew is the smallest difference those allow (0 when they overlap).</summary>
    internal static CheckResult Skew(DateTimeOffset? siloDate, DateTimeOffset sent, DateTimeOffset received)
    {
        const string Name = "clocks of this machine and the silo agree";
        if (siloDate is not { } date)
            return new(Silo, Name, CheckStatus.Warn, "the silo's answer had no Date header; clock skew not checked");
        var ahead = (sent - (date + TimeSpan.FromSeconds(1))).TotalSeconds;
        var behind = (received - date).TotalSeconds;
        var skew = ahead > 0 ? ahead : behind < 0 ? behind : 0;
        var text = SkewText(skew);
        return Math.Abs(skew) > SkewAllowance.TotalSeconds
            ? new(Silo, Name, CheckStatus.Fail, text, "synchronise both clocks with NTP (e.g. timedatectl set-ntp true); beyond the allowance new certificates look not yet valid")
            : new(Silo, Name, CheckStatus.Ok, text);
    }

    /// <summary>"skew 1.5 s, allowance 20 s" (never "-0").</summary>
    private static string SkewText(double seconds)
    {
        var rounded = Math.Round(seconds, 1);
        return $"skew {(rounded == 0 ? 0 : rounded).ToString("0.#", CultureInfo.InvariantCulture)} s, allowance {SkewAllowance.TotalSeconds:0} s";
    }

    private static async Task<List<CheckResult>> IdentityAsync(AdminClient admin, CancellationToken ct)
    {
        IdentitiesResponse ids;
        try
        {
            ids = (await admin.IdentitiesAsync(ct)).Value;
        }
        catch (AdminProblemException e)
        {
            return [new(Identity, "identity service answers", CheckStatus.Fail, e.Problem.Summary, "read the silo's log: its CA did not load (data dir <data-dir>/ca or MESH_CA_DIR)")];
        }

        var results = new List<CheckResult>();
        var anchors = (ids.Anchors ?? []).OfType<CertificateSummary>().ToList();
        if (anchors.Count == 0)
            results.Add(new(Identity, "trust anchor is valid", CheckStatus.Fail, "the silo reports no trust anchor", "create a CA with: mesh identity init, then restart the silo"));
        foreach (var anchor in anchors)
        {
            results.Add(Validity(anchor, "trust anchor", IdentityListCommand.AnchorWarnDays,
                "create a new CA (mesh identity init --force) and restart the silo and every proxy",
                "add a new anchor to the trust bundle and roll it out before this one expires"));
        }
        if (ids.Issuer is { } issuer)
            results.Add(Validity(issuer, "issuer", IdentityListCommand.IssuerWarnDays, "rotate it: mesh identity rotate-issuer", "rotate it: mesh identity rotate-issuer"));
        else
            results.Add(new(Identity, "issuer is valid", CheckStatus.Fail, "the silo reports no issuer", "create a CA with: mesh identity init, then restart the silo"));
        return results;
    }

    private static CheckResult Validity(CertificateSummary cert, string what, int warnDays, string expiredFix, string soonFix)
    {
        var subject = cert.Subject ?? what;
        var days = cert.DaysLeft;
        var name = $"{what} is valid";
        return days switch
        {
            null => new(Identity, name, CheckStatus.Warn, $"{subject}: the silo did not say when it expires"),
            < 0 => new(Identity, name, CheckStatus.Fail, $"{subject} expired {IdentityListCommand.Timestamp(cert.NotAfter)}", expiredFix),
            var d when d < warnDays => new(Identity, name, CheckStatus.Warn, $"{subject} expires in {d:0} days (warning below {warnDays})", soonFix),
            var d => new(Identity, name, CheckStatus.Ok, $"{d:0} days left"),
        };
    }

    private static async Task<List<CheckResult>> ProxiesAsync(AdminClient admin, CancellationToken ct)
    {
        List<ProxyStatusRow> rows;
        try
        {
            rows = await admin.ProxiesAsync(ct);
        }
        catch (AdminProblemException e) when (e.Status == HttpStatusCode.NotFound)
        {
            return [new(Proxies, "proxy status is available", CheckStatus.Warn, "this silo does not serve /api/v1/proxies", "upgrade the silo to check proxies")];
        }

        if (rows.Count == 0)
            return [new(Proxies, "proxies are connected and certified", CheckStatus.Ok, "no proxies have reported yet")];
        var results = new List<CheckResult>();
        var names = ProxyNames(rows);
        foreach (var proxy in rows.OrderBy(p => names[p], StringComparer.Ordinal))
        {
            var id = names[proxy];
            var who = proxy.Identity is { Length: > 0 } identity ? identity : $"{proxy.Namespace}/{proxy.Workload}";
            results.Add(ProxyHealth(proxy, $"proxy {id} ({who}) is connected and certified"));
            var skewMs = proxy.ClockSkewMs;
            var text = SkewText(skewMs / 1000.0);
            results.Add(Math.Abs(skewMs) > SkewAllowance.TotalMilliseconds
                ? new(Proxies, $"proxy {id} clock agrees with the silo", CheckStatus.Fail, text, "synchronise the proxy host's clock with NTP (e.g. timedatectl set-ntp true)")
                : new(Proxies, $"proxy {id} clock agrees with the silo", CheckStatus.Ok, text));
        }
        return results;
    }

    /// <summary>What `mesh check` calls each proxy: the workload it serves ("books-1"), with its proxy id only to tell
    /// apart two proxies of one workload ("web-1 [host-12]"); its proxy id when it reported no workload (a gateway).</summary>
    internal static Dictionary<ProxyStatusRow, string> ProxyNames(IReadOnlyCollection<ProxyStatusRow> proxies)
    {
        // By reference: two rows may be equal records (same workload and values) and still be two proxies.
        IEqualityComparer<ProxyStatusRow> byReference = ReferenceEqualityComparer.Instance;
        var names = proxies.ToDictionary(p => p, ProxyName, byReference);
        var shared = names.Values.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
        return proxies.ToDictionary(p => p, p => shared.Contains(names[p]) ? $"{names[p]} [{p.ProxyId}]" : names[p], byReference);
    }

    /// <summary>The workload a proxy serves ("books-1"), or its proxy id when it reported none (a gateway, a bare proxy).</summary>
    private static string ProxyName(ProxyStatusRow proxy) =>
        proxy.Workload is { Length: > 0 } workload ? workload : proxy.ProxyId ?? "?";

    /// <summary>Discovery connected, a certificate that has not expired, a report within <see cref="ReportDeadline"/>;
    /// the silo's own problem texts when those pass but it still sees something wrong.</summary>
    private static CheckResult ProxyHealth(ProxyStatusRow proxy, string name)
    {
        var details = new List<string>();
        var fixes = new List<string>();
        if (!proxy.DiscoveryConnected)
        {
            details.Add("not connected to discovery");
            fixes.Add("check that the proxy reaches the silo's control port (MESH_CONTROL_ADDR, default 127.0.0.1:8086)");
        }
        var certLeft = proxy.CertRemainingSeconds;
        if (certLeft is null)
        {
            details.Add("no workload certificate");
            fixes.Add("give the proxy a token: MESH_PROXY_TOKEN=$(mesh identity token <ns>/<sa>) and restart it");
        }
        else if (certLeft <= 0)
        {
            details.Add($"workload certificate expired {(-certLeft.Value / 3600.0).ToString("0.#", CultureInfo.InvariantCulture)} h ago");
            fixes.Add("the proxy failed to renew: read its log (token expired? silo identity service down?) and restart it");
        }
        var ageMs = proxy.LastReportAgeMs;
        if (ageMs > ReportDeadline.TotalMilliseconds)
        {
            details.Add($"last report {(ageMs / 1000.0).ToString("0", CultureInfo.InvariantCulture)} s ago (limit {ReportDeadline.TotalSeconds:0} s)");
            fixes.Add("is the proxy still running? restart it (mesh run / mesh proxy); if it runs, check it can reach the silo's control port");
        }
        if (details.Count == 0)
        {
            foreach (var problem in (proxy.Problems ?? []).Where(p => !string.IsNullOrEmpty(p)))
            {
                // The silo's texts say "what is wrong; how to fix it".
                var parts = problem.Split("; ", 2);
                details.Add(parts[0]);
                fixes.Add(parts.Length > 1 ? parts[1] : "read the proxy's log");
            }
        }
        if (details.Count == 0)
        {
            var left = certLeft is { } s ? $"certificate valid {(s / 3600.0).ToString("0.#", CultureInfo.InvariantCulture)} h more" : "";
            return new(Proxies, name, CheckStatus.Ok, left);
        }
        return new(Proxies, name, CheckStatus.Fail, string.Join("; ", details), string.Join("; ", fixes.Distinct()));
    }

    internal static void Print(IConsoleOutput console, CheckResult result, string? previousCategory)
    {
        if (previousCategory != result.Category)
        {
            if (previousCategory is not null)
                console.Ansi.WriteLine();
            console.Ansi.WriteLine(result.Category);
            console.Ansi.WriteLine(new string('-', result.Category.Length));
        }
        var mark = result.Status switch
        {
            CheckStatus.Ok => "[green]√[/]",
            CheckStatus.Warn => "[yellow]‼[/]",
            _ => "[red]×[/]",
        };
        var detail = string.IsNullOrEmpty(result.Detail) ? "" : $" ({result.Detail})";
        console.Ansi.MarkupLine($"{mark} {(result.Name + detail).EscapeMarkup()}");
        if (result.Fix is not null && result.Status != CheckStatus.Ok)
            console.Ansi.MarkupLine($"    [dim]fix:[/] {result.Fix.EscapeMarkup()}");
    }
}
