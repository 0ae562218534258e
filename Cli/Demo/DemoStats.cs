using System.Globalization;
using Mesh.Admin.Contract;
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

    public async Task<(AdminReply<List<ServiceStatsRow>> Services, AdminReply<List<EdgeStatsRow>> Edges)> FetchAsync(CancellationToken ct)
    {
        var services = await client.ServiceStatsAsync("default", Window, ct);
        var edges = await client.EdgeStatsAsync("default", Window, ct);
        return (services, edges);
    }

    /// <summary>Polls until every demo service has reported requests (true) or <paramref name="timeout"/> passes (false).</summary>
    public async Task<bool> WaitForTrafficAsync(TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var (services, _) = await FetchAsync(ct);
            var rows = services.Value.OfType<ServiceStatsRow>().ToList();
            if (rows.Count > 0 && rows.All(r => r.Requests > 0)) return true;
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

    public static void Render(IAnsiConsole console, AdminReply<List<ServiceStatsRow>> services, AdminReply<List<EdgeStatsRow>> edges, string window) =>
        console.Write(Build(services, edges, window));

    private static Rows Build(AdminReply<List<ServiceStatsRow>> services, AdminReply<List<EdgeStatsRow>> edges, string window)
    {
        var svc = new Table().Border(TableBorder.Simple).Title($"services (last {window})");
        foreach (var c in new[] { "SERVICE", "MESHED", "SUCCESS", "RPS", "P50", "P95", "P99", "TCP", "MTLS" }) svc.AddColumn(c);
        foreach (var row in services.Value.OfType<ServiceStatsRow>().OrderBy(r => r.Name))
            svc.AddRow(Cell(row.Name), row.Meshed ? "yes" : "no", Percent(row.SuccessRate, 100), Number(row.Rps, "0.0"),
                Ms(row.LatencyP50Ms), Ms(row.LatencyP95Ms), Ms(row.LatencyP99Ms), Number(row.TcpConnections, "0"), Percent(row.MtlsPercent, 1));

        var edge = new Table().Border(TableBorder.Simple).Title("edges");
        foreach (var c in new[] { "SRC", "DST", "SECURED", "RPS", "SUCCESS" }) edge.AddColumn(c);
        foreach (var row in edges.Value.OfType<EdgeStatsRow>().OrderBy(r => r.Src).ThenBy(r => r.Dst))
            edge.AddRow(Cell(row.Src), Cell(row.Dst), row.Mtls ? "mTLS ✓" : "[red]plaintext[/]", Number(row.Rps, "0.0"), Percent(row.SuccessRate, 100));
        return new Rows(svc, edge);
    }

    private static string Cell(string? text) => Markup.Escape(text ?? "-");

    private static string Number(double? value, string format) => value is { } d ? d.ToString(format, CultureInfo.InvariantCulture) : "-";

    private static string Ms(double? value) => value is { } d ? $"{d:0.#}ms" : "-";

    private static string Percent(double? value, double scale) => value is { } d ? $"{(d * scale).ToString("0.0", CultureInfo.InvariantCulture)}%" : "-";
}
