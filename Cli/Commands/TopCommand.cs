using System.CommandLine;
using Mesh.Admin.Contract;
using Mesh.Cli.Connection;
using Mesh.Cli.Output;
using Spectre.Console.Rendering;

namespace Mesh.Cli.Commands;

/// <summary>`mesh top`: the most-called paths across the mesh, redrawn every 2 s (cf. `linkerd viz top`);
/// `--once` prints one table and exits.</summary>
internal static class TopCommand
{
    public static Command Create(CliContext context)
    {
        var ns = CommonOptions.Namespace("Only paths of services in this namespace (default: every namespace)");
        var window = StatsOptions.Window("10s");
        var once = new Option<bool>("--once") { Description = "Print one table and exit (scripts, tests)" };
        var output = OutputFormat.CreateOption(OutputFormat.Table, OutputFormat.Json);
        var command = new Command("top", "Most-called paths, live") { ns, window, once, output };
        command.Validators.Add(result =>
        {
            if (result.GetValue(output) == OutputFormat.Json && !result.GetValue(once))
                result.AddError("-o json needs --once (a live view is for terminals)");
        });
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, async () =>
        {
            using var admin = AdminClient.Create(context);
            var scope = parse.GetValue(ns);
            Task<AdminReply<List<TopPathRow>>> Fetch(CancellationToken c) => StatsOptions.FetchAsync(admin, "top", a => a.TopStatsAsync(scope, parse.GetValue(window), c));
            if (parse.GetValue(once))
            {
                var rows = await Fetch(ct);
                if (parse.GetValue(output) == OutputFormat.Json)
                    context.Console.Out.WriteLine(Json.Write(rows.Json));
                else if (rows.Value.Count == 0)
                    context.Console.Note($"No requests in the last {parse.GetValue(window)}{(scope is null ? "" : $" in namespace {scope}")}.");
                else
                    context.Console.Ansi.Write(Table(rows));
                return ExitCodes.Ok;
            }
            await LiveRefresh.RunAsync(context.Console, async c => Table(await Fetch(c)), StatsOptions.RefreshPeriod, ct);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static IRenderable Table(AdminReply<List<TopPathRow>> rows)
    {
        var table = Tables.Create(["NAMESPACE", "SERVICE", "PATH", "COUNT", "RPS", "SUCCESS", "LATENCY_P50", "LATENCY_P99"]);
        foreach (var row in rows.Value.OfType<TopPathRow>())
        {
            Tables.AddRow(table, [
                row.Namespace ?? "",
                row.Service ?? "",
                row.Path ?? "",
                StatsText.Count(row.Requests),
                StatsText.Rps(row.Rps),
                StatsText.Success(row.SuccessRate),
                StatsText.Latency(row.LatencyP50Ms),
                StatsText.Latency(row.LatencyP99Ms)]);
        }
        if (table.Rows.Count == 0)
            table.Caption = new Spectre.Console.TableTitle("no requests in this window");
        return table;
    }
}
