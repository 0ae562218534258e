using System.CommandLine;
using Mesh.Admin.Contract;
using Mesh.Cli.Connection;
using Mesh.Cli.Output;
using Spectre.Console.Rendering;

namespace Mesh.Cli.Commands;

/// <summary>`mesh stat [services|deploy]`: golden metrics per service as the proxies reported them (cf. `linkerd viz
/// stat`); `--watch` redraws every 2 s until Ctrl-C.</summary>
internal static class StatCommand
{
    public static Command Create(CliContext context)
    {
        // Outside Kubernetes a Service's Workloads are its deployment, so both kinds show the same rows.
        var kind = new Argument<string>("kind")
        {
            Description = "services (svc) or deploy: rows per service",
            HelpName = "services|deploy",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => "services",
        };
        kind.AcceptOnlyFromAmong("services", "service", "svc", "deploy", "deployments", "deployment");
        var ns = CommonOptions.Namespace("Namespace (default: default)");
        var all = StatsOptions.AllNamespaces();
        var window = StatsOptions.Window();
        var output = OutputFormat.CreateOption(OutputFormat.Table, OutputFormat.Json);
        var watch = new Option<bool>("--watch", "-w") { Description = "Redraw every 2 s until Ctrl-C" };

        var command = new Command("stat", "Golden metrics per service: success rate, RPS, latency, connections, mTLS") { kind, ns, all, window, output, watch };
        command.Aliases.Add("stats");
        StatsOptions.ExclusiveNamespaceScope(command, ns, all);
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, async () =>
        {
            var scope = parse.GetValue(all) ? null : parse.GetValue(ns) ?? CommonOptions.DefaultNamespace;
            var json = parse.GetValue(output) == OutputFormat.Json;
            using var admin = AdminClient.Create(context);
            Task<AdminReply<List<ServiceStatsRow>>> Fetch(CancellationToken c) =>
                StatsOptions.FetchAsync(admin, "services", a => a.ServiceStatsAsync(scope, parse.GetValue(window), c));
            if (!parse.GetValue(watch))
            {
                var rows = await Fetch(ct);
                if (json)
                    context.Console.Out.WriteLine(Json.Write(rows.Json));
                else if (rows.Value.Count == 0)
                    context.Console.Note(NoStats(scope));
                else
                    context.Console.Ansi.Write(Table(rows));
                return ExitCodes.Ok;
            }
            if (json)
            {
                // One compact JSON array per refresh, one per line (JSON Lines) for scripts.
                async Task WriteLine(CancellationToken c)
                {
                    context.Console.Out.WriteLine((await Fetch(c)).Json?.ToJsonString() ?? "[]");
                    context.Console.Out.Flush();
                }
                await WriteLine(ct);
                await LiveRefresh.RepeatAsync(context.Console, WriteLine, StatsOptions.RefreshPeriod, ct);
                return ExitCodes.Ok;
            }
            await LiveRefresh.RunAsync(context.Console, async c => Table(await Fetch(c)), StatsOptions.RefreshPeriod, ct);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    internal static string NoStats(string? ns) =>
        $"No stats{(ns is null ? "" : $" in namespace {ns}")}: no proxy has reported traffic yet (mesh a workload with mesh run, then send it requests).";

    private static IRenderable Table(AdminReply<List<ServiceStatsRow>> rows)
    {
        var table = Tables.Create(["NAMESPACE", "NAME", "MESHED", "SUCCESS", "RPS", "LATENCY_P50", "LATENCY_P95", "LATENCY_P99", "TCP_CONN", "MTLS"]);
        foreach (var row in rows.Value.OfType<ServiceStatsRow>().OrderBy(r => r.Namespace, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal))
        {
            Tables.AddRow(table, [
                row.Namespace ?? "",
                row.Name ?? "",
                row.Meshed ? "yes" : "no",
                StatsText.Success(row.SuccessRate),
                StatsText.Rps(row.Rps),
                StatsText.Latency(row.LatencyP50Ms),
                StatsText.Latency(row.LatencyP95Ms),
                StatsText.Latency(row.LatencyP99Ms),
                StatsText.Count(row.TcpConnections),
                StatsText.Percent(row.MtlsPercent)]);
        }
        if (table.Rows.Count == 0)
            table.Caption = new Spectre.Console.TableTitle("no stats in this window yet");
        return table;
    }
}
