using System.Globalization;
using System.Text.Json.Nodes;
using Mesh.Cli.Connection;
using Spectre.Console;

namespace Mesh.Cli.Demo;

/// <summary>The demo's view of golden metrics: services and edges from the silo's stats API over
/// <paramref name="window"/>, as a table refreshed in place on a terminal (or reprinted every 10 s when output is not a
/// terminal).</summary>
internal sealed class DemoStats(AdminClient client, string window = "1m")
{
    private string Window { get; } = window;

    /// <summary>The smallest stats window (10s, 1m, 10m) that covers a run of <paramref name="duration"/>.</summary>
    public static string WindowFor(TimeSpan duration) =>
        duration <= TimeSpan.FromSeconds(10) ? "10s" : duration <= TimeSpan.FromMinutes(1) ? "1m" : "10m";

    public async Task<(JsonArray Services, JsonArray Edges)> FetchAsync(CancellationToken ct)
    {
        var services = await client.StatsAsync("services", "default", Window, ct) as JsonArray ?? [];
        var edges = await client.StatsAsync("edges", "default", Window, ct) as JsonArray ?? [];
        return (services, edges);
    }

    /// <summary>Polls until every demo service has reported requests (true) or <paramref name="timeout"/> passes (false).</summary>
    public async Task<bool> WaitForTrafficAsync(TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var (services, _) = await FetchAsync(ct);
            var rows = services.OfType<JsonObject>().ToList();
            if (rows.Count > 0 && rows.All(r => (long?)r["requests"] > 0)) return true;
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
                var (s, e) = await FetchAsync(ct);
                Render(console, s, e, Window);
            }
            return;
        }
        await console.Live(new Text("waiting for the first stats…")).StartAsync(async live =>
        {
            while (!ct.IsCancellationRequested)
            {
                var (s, e) = await FetchAsync(ct);
                live.UpdateTarget(Build(s, e, Window));
                try { await Task.Delay(TimeSpan.FromSeconds(2), ct); }
                catch (OperationCanceledException) { return; }
            }
        });
    }

    public static void Render(IAnsiConsole console, JsonArray services, JsonArray edges, string window) => console.Write(Build(services, edges, window));

    private static Rows Build(JsonArray services, JsonArray edges, string window)
    {
        var svc = new Table().Border(TableBorder.Simple).Title($"services (last {window})");
        foreach (var c in new[] { "SERVICE", "MESHED", "SUCCESS", "RPS", "P50", "P95", "P99", "TCP", "MTLS" }) svc.AddColumn(c);
        foreach (var row in services.OfType<JsonObject>().OrderBy(r => (string?)r["name"]))
            svc.AddRow(Cell(row["name"]), (bool?)row["meshed"] == true ? "yes" : "no", Percent(row["successRate"], 100), Number(row["rps"], "0.0"),
                Ms(row["latencyP50Ms"]), Ms(row["latencyP95Ms"]), Ms(row["latencyP99Ms"]), Number(row["tcpConnections"], "0"), Percent(row["mtlsPercent"], 1));

        var edge = new Table().Border(TableBorder.Simple).Title("edges");
        foreach (var c in new[] { "SRC", "DST", "SECURED", "RPS", "SUCCESS" }) edge.AddColumn(c);
        foreach (var row in edges.OfType<JsonObject>().OrderBy(r => (string?)r["src"]).ThenBy(r => (string?)r["dst"]))
            edge.AddRow(Cell(row["src"]), Cell(row["dst"]), (bool?)row["mtls"] == true ? "mTLS ✓" : "[red]plaintext[/]", Number(row["rps"], "0.0"), Percent(row["successRate"], 100));
        return new Rows(svc, edge);
    }

    private static string Cell(JsonNode? node) => Markup.Escape(node?.ToString() ?? "-");

    private static string Number(JsonNode? node, string format) =>
        node is JsonValue v && v.TryGetValue<double>(out var d) ? d.ToString(format, CultureInfo.InvariantCulture) : "-";

    private static string Ms(JsonNode? node) => node is JsonValue v && v.TryGetValue<double>(out var d) ? $"{d:0.#}ms" : "-";

    private static string Percent(JsonNode? node, double scale) =>
        node is JsonValue v && v.TryGetValue<double>(out var d) ? $"{(d * scale).ToString("0.0", CultureInfo.InvariantCulture)}%" : "-";
}
