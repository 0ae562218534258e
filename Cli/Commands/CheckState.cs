using System.Text.Json.Nodes;

namespace Mesh.Cli.Commands;

/// <summary>The part of `mesh check` that compares reality with the silo: what each live proxy says it serves (its
/// workload and services, from its last report) against what the silo holds. A silo that lost its state (memory
/// storage restarted, another data dir) still has proxies serving workloads it no longer knows; each such proxy is a
/// failure with the fix. Pure: the caller fetches the JSON.</summary>
internal static class CheckState
{
    public const string Category = "state";

    /// <param name="proxies">Rows of GET /api/v1/proxies.</param>
    /// <param name="workloads">Workload resources of every namespace.</param>
    /// <param name="services">Service resources of every namespace.</param>
    /// <param name="storage">The silo's storage kind (info.storage), for the fix.</param>
    public static List<CheckResult> Compare(IEnumerable<JsonNode> proxies, IEnumerable<JsonNode> workloads, IEnumerable<JsonNode> services, string? storage)
    {
        static string Key(JsonNode r) => $"{Json.Str(r["metadata"]?["namespace"])}/{Json.Str(r["metadata"]?["name"])}";
        var heldWorkloads = workloads.Select(Key).ToHashSet(StringComparer.Ordinal);
        var heldServices = services.Select(Key).ToHashSet(StringComparer.Ordinal);

        var live = proxies
            .Where(p => Json.Long(p["lastReportAgeMs"]) is { } age && age <= CheckCommand.ReportDeadline.TotalMilliseconds)
            .ToList();
        var names = CheckCommand.ProxyNames(live);
        if (live.Count == 0)
            return [new(Category, "proxies serve what the silo holds", CheckStatus.Ok, "no live proxy to compare")];

        var fix = string.Equals(storage, "memory", StringComparison.OrdinalIgnoreCase)
            ? "the silo keeps state in memory (--ephemeral) and lost it when it stopped: `mesh run` registers its workload again " +
              "within seconds; re-apply your manifests (mesh apply -f …); start the silo without --ephemeral to keep state in <data-dir>/state.db"
            : "re-apply the manifests that define them (mesh apply -f …) or restart that `mesh run`; if the silo was restarted on " +
              "another --data-dir (MESH_DATA_DIR), start it on the old one";
        var results = new List<CheckResult>();
        foreach (var proxy in live.OrderBy(p => names[p], StringComparer.Ordinal))
        {
            var id = names[proxy];
            var ns = Json.Str(proxy["namespace"]) ?? "";
            var workload = Json.Str(proxy["workload"]) ?? "";
            var missing = new List<string>();
            if (workload.Length > 0 && !heldWorkloads.Contains($"{ns}/{workload}")) missing.Add($"workload {ns}/{workload}");
            missing.AddRange(Json.Items(proxy["services"]).Select(Json.Str)
                .Where(s => !string.IsNullOrEmpty(s) && !heldServices.Contains(s!)).Select(s => $"service {s}"));
            var name = $"proxy {id} ({ns}/{workload}) serves what the silo holds";
            results.Add(missing.Count == 0
                ? new(Category, name, CheckStatus.Ok)
                : new(Category, name, CheckStatus.Fail, $"the silo does not hold {string.Join(", ", missing)}", fix));
        }
        return results;
    }
}
