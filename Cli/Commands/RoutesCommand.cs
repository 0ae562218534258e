using System.CommandLine;
using System.Net;
using Mesh.Admin.Contract;
using Mesh.Cli.Connection;
using Mesh.Cli.Output;

namespace Mesh.Cli.Commands;

/// <summary>`mesh routes SERVICE`: golden metrics per route of a service, then per backend when a route splits
/// traffic (cf. `linkerd viz routes`).</summary>
internal static class RoutesCommand
{
    public static Command Create(CliContext context)
    {
        var service = new Argument<string>("service") { Description = "Service name" }.RejectingOptionLikeValues();
        var ns = CommonOptions.Namespace();
        var window = StatsOptions.Window();
        var output = OutputFormat.CreateOption(OutputFormat.Table, OutputFormat.Json);
        var command = new Command("routes", "Success rate, RPS and latency per route of a service") { service, ns, window, output };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, async () =>
        {
            var name = parse.GetValue(service)!;
            var scope = parse.GetValue(ns) ?? CommonOptions.DefaultNamespace;
            using var admin = AdminClient.Create(context);
            AdminReply<RouteStatsResponse> answer;
            try
            {
                answer = await StatsOptions.FetchAsync(admin, "routes", a => a.RouteStatsAsync(scope, name, parse.GetValue(window), ct));
            }
            catch (AdminProblemException e) when (e.Status == HttpStatusCode.NotFound)
            {
                throw new CliException(e.Problem.Detail ?? $"no stats for service {scope}/{name}",
                    hint: $"services with stats: mesh stat -A; the service itself: mesh describe service {name} -n {scope}");
            }
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                context.Console.Out.WriteLine(Json.Write(answer.Json));
                return ExitCodes.Ok;
            }
            var routes = (answer.Value.Routes ?? []).OfType<NamedStatsRow>().ToList();
            if (routes.Count == 0)
            {
                context.Console.Note($"No route stats for {scope}/{name} in the last {parse.GetValue(window)}.");
                return ExitCodes.Ok;
            }
            context.Console.Ansi.Write(Table("ROUTE", name, routes));
            var backends = (answer.Value.Backends ?? []).OfType<NamedStatsRow>().ToList();
            if (backends.Count > 0)
            {
                context.Console.Out.WriteLine();
                context.Console.Ansi.Write(Table("BACKEND", name, backends));
            }
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Spectre.Console.Table Table(string first, string service, IEnumerable<NamedStatsRow> rows)
    {
        var table = Tables.Create([first, "SERVICE", "SUCCESS", "RPS", "LATENCY_P50", "LATENCY_P95", "LATENCY_P99"]);
        foreach (var row in rows)
        {
            Tables.AddRow(table, [
                row.Name ?? "",
                service,
                StatsText.Success(row.SuccessRate),
                StatsText.Rps(row.Rps),
                StatsText.Latency(row.LatencyP50Ms),
                StatsText.Latency(row.LatencyP95Ms),
                StatsText.Latency(row.LatencyP99Ms)]);
        }
        return table;
    }
}
