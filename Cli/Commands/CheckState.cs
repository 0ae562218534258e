using System.Text.Json.Nodes;
using Mesh.Admin.Contract;

namespace Mesh.Cli.Commands;

/// <summary>The part of `mesh check` that compares reality with the silo: what each live proxy says it serves (its
/// workload and services, from its last report) against what the silo holds. A silo that lost its state (memory
/// storage restarted, another data dir) still has proxies serving workloads it no longer knows; each such proxy is a
/// failure with the fix. Then the versions: what each proxy's discovery watches reflect against the silo's views now
/// (<see cref="CompareVersions"/>). Pure: the caller fetches the rows.</summary>
internal static class CheckState
{
    public const string Category = "state";

    /// <summary>The least time a proxy may lag behind the silo's views before it counts as stuck: discovery pushes a
    /// change in milliseconds, so this is far beyond normal propagation even on a loaded machine.</summary>
    public static readonly TimeSpan MinVersionGrace = TimeSpan.FromSeconds(6);

    /// <summary>How long a proxy may serve an older version than the silo: 3 of its report intervals, at least
    /// <see cref="MinVersionGrace"/>.</summary>
    public static TimeSpan VersionGrace(ProxyStatusRow proxy) =>
        TimeSpan.FromMilliseconds(Math.Max(MinVersionGrace.TotalMilliseconds, 3 * (long)proxy.IntervalMs));

    /// <summary>"books.default.svc.cluster.local:8080" → ("default", "books"); null for anything else.</summary>
    public static (string Namespace, string Name)? ServiceOf(string? canonicalAuthority) =>
        canonicalAuthority is not null && Mesh.Names.ServiceName.TryParse(canonicalAuthority, null, out var ns, out var name) ? (ns, name) : null;

    /// <summary>One proxy row of GET /api/v1/proxies with when its last report was made, relative to when the silo's
    /// views were read (positive: after; measured on this machine's clock from the row's lastReportAgeMs).</summary>
    public sealed record Report(ProxyStatusRow Proxy, long ReportedAfterReadMs);

    /// <summary>The endpoint-set and profile view versions of one service as the silo holds them (GET
    /// /api/v1/services/{ns}/{name}); null in the map when the silo does not know the service.</summary>
    public sealed record HeldVersions(long EndpointsVersion, long ProfileVersion);

    /// <summary>Compares the versions each proxy serves (its row's <c>served</c>) with the silo's views. A proxy newer
    /// than the silo in a report made before the views were read means the silo lost state; a proxy older than the
    /// silo (or still serving a service the silo does not know) in a report made more than <see cref="VersionGrace"/>
    /// after the read means its watch is stuck. Anything else is not yet decided: <paramref name="pending"/> is set and
    /// the caller asks again with newer reports. Services missing from <paramref name="held"/> were not read: skipped.</summary>
    public static List<CheckResult> CompareVersions(IReadOnlyList<Report> reports, IReadOnlyDictionary<string, HeldVersions?> held,
        string? storage, TimeSpan? grace, out bool pending)
    {
        pending = false;
        var results = new List<CheckResult>();
        var live = reports.Where(r => r.Proxy.LastReportAgeMs <= CheckCommand.ReportDeadline.TotalMilliseconds).ToList();
        var names = CheckCommand.ProxyNames(live.Select(r => r.Proxy).ToList());
        var lostFix = LostStateFix(storage);
        foreach (var report in live.OrderBy(r => names[r.Proxy], StringComparer.Ordinal))
        {
            var id = names[report.Proxy];
            var lag = grace ?? VersionGrace(report.Proxy);
            var late = report.ReportedAfterReadMs > lag.TotalMilliseconds;
            var stuck = new List<string>();
            var lost = new List<string>();
            var undecided = 0;
            var compared = 0;
            foreach (var served in (report.Proxy.Served ?? []).Where(v => v is { Exists: true }))
            {
                var authority = served.CanonicalAuthority ?? "";
                if (ServiceOf(authority) is not { } svc || !held.TryGetValue($"{svc.Namespace}/{svc.Name}", out var silo)) continue;
                compared++;
                var shown = $"{svc.Name}.{svc.Namespace}:{authority[(authority.LastIndexOf(':') + 1)..]}";
                if (silo is null)
                {
                    if (late) lost.Add($"serves {shown}, which the silo does not know");
                    else undecided++;
                    continue;
                }
                foreach (var (what, mine, theirs) in new[]
                         {
                             ("endpoints", served.EndpointsVersion, silo.EndpointsVersion),
                             ("profile", served.ProfileVersion, silo.ProfileVersion),
                         })
                {
                    if (mine > theirs && report.ReportedAfterReadMs <= 0) lost.Add($"serves {shown} {what} v{mine}, the silo holds only v{theirs}");
                    else if (mine < theirs && late) stuck.Add($"serves {shown} {what} v{mine}, the silo holds v{theirs}");
                    else if (mine < theirs) undecided++;
                }
            }
            var name = Name(id, report.Proxy);
            if (lost.Count > 0)
                results.Add(new(Category, name, CheckStatus.Fail, $"the silo lost state: proxy {id} {string.Join("; ", lost)}", lostFix));
            else if (stuck.Count > 0)
                results.Add(new(Category, name, CheckStatus.Fail,
                    $"proxy {id} {string.Join("; ", stuck)} (for more than {lag.TotalSeconds:0} s): its discovery watch is stuck",
                    $"restart proxy {id} (mesh run / mesh proxy); if that does not help, check its connection to the silo's control port (MESH_CONTROL_ADDR)"));
            else if (undecided > 0)
            {
                pending = true;
                results.Add(new(Category, name, CheckStatus.Warn, $"proxy {id} has not yet reported the silo's latest versions (changed moments ago?)",
                    "run mesh check again in a few seconds"));
            }
            else if (compared > 0)
                results.Add(new(Category, name, CheckStatus.Ok, $"{compared} service{(compared == 1 ? "" : "s")}"));
        }
        return results;
    }

    /// <summary>One line per proxy: what it serves against what the silo holds, resources and versions alike.</summary>
    private static string Name(string id, ProxyStatusRow proxy) =>
        $"proxy {id} ({proxy.Namespace}/{proxy.Workload}) serves what the silo holds";

    /// <summary>Folds the version results into the resource results of the same proxy (one line each): the worse
    /// status, both details, each fix once.</summary>
    public static List<CheckResult> Merge(List<CheckResult> resources, List<CheckResult> versions)
    {
        var merged = resources.ToList();
        foreach (var v in versions)
        {
            var i = merged.FindIndex(r => r.Name == v.Name);
            if (i < 0) { merged.Add(v); continue; }
            var r = merged[i];
            var status = (CheckStatus)Math.Max((int)r.Status, (int)v.Status);
            var detail = string.Join("; ", new[] { r.Status == CheckStatus.Ok ? null : r.Detail, v.Status == CheckStatus.Ok && r.Status != CheckStatus.Ok ? null : v.Detail }
                .Where(d => !string.IsNullOrEmpty(d)));
            var fix = string.Join("; ", new[] { r.Fix, v.Fix }.Where(f => !string.IsNullOrEmpty(f)).Distinct());
            merged[i] = new(r.Category, r.Name, status, detail.Length == 0 ? null : detail, fix.Length == 0 ? null : fix);
        }
        return merged;
    }

    private static string LostStateFix(string? storage) => string.Equals(storage, "memory", StringComparison.OrdinalIgnoreCase)
        ? "the silo keeps state in memory (--ephemeral) and lost it when it stopped: `mesh run` registers its workload again " +
          "within seconds; re-apply your manifests (mesh apply -f …); start the silo without --ephemeral to keep state in <data-dir>/state.db"
        : "re-apply the manifests that define them (mesh apply -f …) or restart that `mesh run`; if the silo was restarted on " +
          "another --data-dir (MESH_DATA_DIR), start it on the old one";

    /// <param name="proxies">Rows of GET /api/v1/proxies.</param>
    /// <param name="workloads">Workload resources of every namespace.</param>
    /// <param name="services">Service resources of every namespace.</param>
    /// <param name="storage">The silo's storage kind (info.storage), for the fix.</param>
    public static List<CheckResult> Compare(IEnumerable<ProxyStatusRow> proxies, IEnumerable<JsonNode> workloads, IEnumerable<JsonNode> services, string? storage)
    {
        static string Key(JsonNode r) => $"{Json.Str(r["metadata"]?["namespace"])}/{Json.Str(r["metadata"]?["name"])}";
        var heldWorkloads = workloads.Select(Key).ToHashSet(StringComparer.Ordinal);
        var heldServices = services.Select(Key).ToHashSet(StringComparer.Ordinal);

        var live = proxies
            .Where(p => p.LastReportAgeMs <= CheckCommand.ReportDeadline.TotalMilliseconds)
            .ToList();
        var names = CheckCommand.ProxyNames(live);
        if (live.Count == 0)
            return [new(Category, "proxies serve what the silo holds", CheckStatus.Ok, "no live proxy to compare")];

        var fix = LostStateFix(storage);
        var results = new List<CheckResult>();
        foreach (var proxy in live.OrderBy(p => names[p], StringComparer.Ordinal))
        {
            var id = names[proxy];
            var ns = proxy.Namespace ?? "";
            var workload = proxy.Workload ?? "";
            var missing = new List<string>();
            if (workload.Length > 0 && !heldWorkloads.Contains($"{ns}/{workload}")) missing.Add($"workload {ns}/{workload}");
            missing.AddRange((proxy.Services ?? [])
                .Where(s => !string.IsNullOrEmpty(s) && !heldServices.Contains(s)).Select(s => $"service {s}"));
            var name = Name(id, proxy);
            results.Add(missing.Count == 0
                ? new(Category, name, CheckStatus.Ok)
                : new(Category, name, CheckStatus.Fail, $"the silo does not hold {string.Join(", ", missing)}", fix));
        }
        return results;
    }
}
