using System.CommandLine;
using Mesh.Admin.Contract;
using Mesh.Cli.Connection;
using Mesh.Cli.Output;

namespace Mesh.Cli.Commands;

/// <summary>`mesh multicluster gateways`: one row per Link — CLUSTER ALIVE SERVICES LATENCY, from the link's gateway
/// probe: ALIVE is its GatewayAlive condition ("-" when the link has no gateway to probe), LATENCY the last successful
/// probe ("-" while the gateway is dead or before any probe answered).</summary>
internal static class MulticlusterGatewaysCommand
{
    public static Command Create(CliContext context)
    {
        var output = OutputFormat.CreateOption(OutputFormat.Table, OutputFormat.Json);
        var command = new Command("gateways", "Linked clusters: gateway alive (probed), mirrored services, probe latency") { output };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, async () =>
        {
            using var admin = AdminClient.Create(context);
            var reply = await admin.LinksAsync(ct);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                context.Console.Out.WriteLine(Json.Write(reply.Json));
                return ExitCodes.Ok;
            }
            if (reply.Value.Links.Count == 0)
            {
                context.Console.Note("No Links (mesh multicluster link-gen on the other cluster prints one to apply here).");
                return ExitCodes.Ok;
            }
            var table = Tables.Create(["CLUSTER", "ALIVE", "SERVICES", "LATENCY"]);
            foreach (var row in Rows(reply.Value)) Tables.AddRow(table, row);
            context.Console.Ansi.Write(table);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>SERVICES counts the mirrors written and current (condition Mirrored).</summary>
    internal static IEnumerable<string[]> Rows(LinksResponse links) =>
        links.Links.OrderBy(l => l.Cluster, StringComparer.Ordinal).Select(l => new[]
        {
            l.Cluster,
            l.GatewayAlive is not { Reason: not "NoGateway" } alive ? "-" : alive.Status == "True" ? "yes" : "no",
            l.Services.Count(s => s.Reason == "Mirrored").ToString(System.Globalization.CultureInfo.InvariantCulture),
            l.GatewayAlive?.Status == "True" && l.GatewayLatencyMs is { } ms ? $"{ms.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)}ms" : "-",
        });
}
