using System.Globalization;
using System.Text.Json.Nodes;
using Mesh.Admin.Contract;
using Mesh.Cli.Connection;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Mesh.Cli.Demo;

/// <summary>The demo's view of golden metrics: services and edges from each cluster's stats API over
/// <paramref name="window"/>, as tables refreshed in place on a terminal (or reprinted every 10 s when output is not a
/// terminal). One cluster named <c>null</c> is the single local mesh; several get a heading each.</summary>
internal sealed class DemoStats(IReadOnlyList<(string? Cluster, AdminClient Client)> clusters, string window = "1m")
{
    private string Window { get; } = window;

    /// <summary>The smallest stats window (10s, 1m, 10m) that covers a run of <paramref name="duration"/>.</summary>
    public static string WindowFor(TimeSpan duration) =>
        duration <= TimeSpan.FromSeconds(10) ? "10s" : duration <= TimeSpan.FromMinutes(1) ? "1m" : "10m";

    public async Task<IReadOnlyList<ClusterStats>> FetchAsync(CancellationToken ct)
    {
        var result = new List<ClusterStats>();
        foreach (var (cluster, client) in clusters)
            result.Add(new(cluster, await client.ServiceStatsAsync("default", Window, ct), await client.EdgeStatsAsync("default", Window, ct)));
        return result;
    }

    /// <summary>Polls until every demo service of every cluster has reported requests (true) or
    /// <paramref name="timeout"/> passes (false).</summary>
    public async Task<bool> WaitForTrafficAsync(TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var snapshot = await FetchAsync(ct);
            if (snapshot.All(c => c.Services.Value.OfType<ServiceStatsRow>().ToList() is { Count: > 0 } rows && rows.All(r => r.Requests > 0))) return true;
            if (DateTime.UtcNow >= deadline) return false;
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
        }
    }

    public async Task LiveAsync(IAnsiConsole console, CancellationToken ct)
    {
        var interactive = console.Profile.Capabilities.Interactive;
        if (!interactive)
        {
            while (!ct.IsCancellationRequested)
            {
                try { await Task.Delay(TimeSpan.FromSeconds(10), ct); }
                catch (OperationCanceledException) { return; }
                Render(console, await FetchAsync(ct), Window);
            }
            return;
        }
        await console.Live(new Text("waiting for the first stats…")).StartAsync(async live =>
        {
            while (!ct.IsCancellationRequested)
            {
                live.UpdateTarget(Build(await FetchAsync(ct), Window));
                try { await Task.Delay(TimeSpan.FromSeconds(2), ct); }
                catch (OperationCanceledException) { return; }
            }
        });
    }

    /// <summary>The final stats as JSON: <c>{services, edges}</c> for the single local mesh, else
    /// <c>{clusters: {name: {services, edges}}}</c>.</summary>
    public static JsonObject ToJson(IReadOnlyList<ClusterStats> snapshot)
    {
        static JsonObject One(ClusterStats c) => new() { ["services"] = c.Services.Json?.DeepClone(), ["edges"] = c.Edges.Json?.DeepClone() };
        if (snapshot is [{ Cluster: null } single]) return One(single);
        var clusters = new JsonObject();
        foreach (var c in snapshot) clusters[c.Cluster ?? "local"] = One(c);
        return new JsonObject { ["clusters"] = clusters };
    }

    public static void Render(IAnsiConsole console, IReadOnlyList<ClusterStats> snapshot, string window) =>
        console.Write(Build(snapshot, window));

    private static Rows Build(IReadOnlyList<ClusterStats> snapshot, string window)
    {
        var parts = new List<IRenderable>();
        foreach (var c in snapshot)
        {
            var prefix = c.Cluster is null ? "" : $"{c.Cluster}: ";
            if (c.Cluster is not null) parts.Add(new Markup($"[bold]cluster {Markup.Escape(c.Cluster)}[/]"));
            var svc = new Table().Border(TableBorder.Simple).Title($"{Markup.Escape(prefix)}services (last {window})");
            foreach (var col in new[] { "SERVICE", "MESHED", "SUCCESS", "RPS", "P50", "P95", "P99", "TCP", "MTLS" }) svc.AddColumn(col);
            foreach (var row in c.Services.Value.OfType<ServiceStatsRow>().OrderBy(r => r.Name))
                svc.AddRow(Cell(row.Name), row.Meshed ? "yes" : "no", Percent(row.SuccessRate, 100), Number(row.Rps, "0.0"),
                    Ms(row.LatencyP50Ms), Ms(row.LatencyP95Ms), Ms(row.LatencyP99Ms), Number(row.TcpConnections, "0"), Percent(row.MtlsPercent, 1));

            var edge = new Table().Border(TableBorder.Simple).Title($"{Markup.Escape(prefix)}edges");
            foreach (var col in new[] { "SRC", "DST", "SECURED", "RPS", "SUCCESS" }) edge.AddColumn(col);
            foreach (var row in c.Edges.Value.OfType<EdgeStatsRow>().OrderBy(r => r.Src).ThenBy(r => r.Dst))
                edge.AddRow(Cell(row.Src), Cell(row.Dst), row.Mtls ? "mTLS ✓" : "[red]plaintext[/]", Number(row.Rps, "0.0"), Percent(row.SuccessRate, 100));
            parts.Add(svc);
            parts.Add(edge);
        }
        return new Rows(parts);
    }

    private static string Cell(string? text) => Markup.Escape(text ?? "-");

    private static string Number(double? value, string format) => value is { } d ? d.ToString(format, CultureInfo.InvariantCulture) : "-";

    private static string Ms(double? value) => value is { } d ? $"{d:0.#}ms" : "-";

    private static string Percent(double? value, double scale) => value is { } d ? $"{(d * scale).ToString("0.0", CultureInfo.InvariantCulture)}%" : "-";
}

/// <summary>One cluster's services and edges at one moment (<see cref="Cluster"/> null = the single local mesh).</summary>
internal sealed record ClusterStats(string? Cluster, AdminReply<List<ServiceStatsRow>> Services, AdminReply<List<EdgeStatsRow>> Edges);
