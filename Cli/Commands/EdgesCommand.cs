using System.CommandLine;
using Mesh.Cli.Connection;
using Mesh.Cli.Output;

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
            var rows = await StatsOptions.FetchAsync(admin, "edges", scope, parse.GetValue(window), ct);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                context.Console.Out.WriteLine(Json.Write(rows));
                return ExitCodes.Ok;
            }
            if (!Json.Items(rows).Any())
            {
                context.Console.Note(StatCommand.NoStats(scope));
                return ExitCodes.Ok;
            }
            var table = Tables.Create(["SRC", "DST", "SRC_IDENTITY", "DST_IDENTITY", "SECURED"]);
            foreach (var row in Json.Items(rows))
            {
                var src = Json.Str(row["src"]);
                Tables.AddRow(table, [
                    string.IsNullOrEmpty(src) ? "(unmeshed)" : src,
                    Json.Str(row["dst"]) ?? "",
                    Json.Str(row["srcIdentity"]) ?? "",
                    Json.Str(row["dstIdentity"]) ?? "",
                    Json.Bool(row["mtls"]) == true ? "√" : ""]);
            }
            context.Console.Ansi.Write(table);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
