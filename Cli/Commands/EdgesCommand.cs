using System.CommandLine;
using Mesh.Cli.Connection;
using Mesh.Cli.Output;

using Mesh.Admin.Contract;

namespace Mesh.Cli.Commands;

/// <summary>`mesh edges`: who calls whom, with both identities and whether the hop was mTLS (cf. `linkerd viz edges`).</summary>
internal static class EdgesCommand
{
    public static Command Create(CliContext context)
    {
        var ns = CommonOptions.Namespace("Only edges from or to this namespace (default: every namespace)");
        var window = StatsOptions.Window();
        var output = OutputFormat.CreateOption(OutputFormat.Table, OutputFormat.Json);
        var command = new Command("edges", "Connections between services: source, destination, identities, mTLS") { ns, window, output };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, async () =>
        {
            using var admin = AdminClient.Create(context);
            var scope = parse.GetValue(ns);
            var rows = await StatsOptions.FetchAsync(admin, "edges", a => a.EdgeStatsAsync(scope, parse.GetValue(window), ct));
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                context.Console.Out.WriteLine(Json.Write(rows.Json));
                return ExitCodes.Ok;
            }
            if (rows.Value.Count == 0)
            {
                context.Console.Note(StatCommand.NoStats(scope));
                return ExitCodes.Ok;
            }
            var table = Tables.Create(["SRC", "DST", "SRC_IDENTITY", "DST_IDENTITY", "SECURED"]);
            foreach (var row in rows.Value.OfType<EdgeStatsRow>())
            {
                Tables.AddRow(table, [
                    string.IsNullOrEmpty(row.Src) ? "(unmeshed)" : row.Src,
                    row.Dst ?? "",
                    row.SrcIdentity ?? "",
                    row.DstIdentity ?? "",
                    row.Mtls ? "√" : ""]);
            }
            context.Console.Ansi.Write(table);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
