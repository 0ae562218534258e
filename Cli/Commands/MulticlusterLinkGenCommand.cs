using System.CommandLine;
using Mesh.Cli.Connection;
using Mesh.Cli.Manifests;

namespace Mesh.Cli.Commands;

/// <summary>`mesh multicluster link-gen [--cluster-name NAME]`: prints the Link the other cluster applies
/// (`mesh multicluster link-gen --cluster-name west | mesh apply -f -` on east, with each CLI pointed at its silo).
/// Only the YAML goes to stdout.</summary>
internal static class MulticlusterLinkGenCommand
{
    public static Command Create(CliContext context)
    {
        var clusterName = new Option<string?>("--cluster-name")
        {
            Description = "This cluster's name as the other cluster will know it (default: the silo's MESH_CLUSTER_NAME)", HelpName = "name",
        };
        var command = new Command("link-gen", "Print the Link another cluster applies to mirror this one") { clusterName };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, async () =>
        {
            using var admin = AdminClient.Create(context);
            var info = await admin.LinkInfoAsync(ct);
            context.Console.Out.Write(LinkManifest.Build(info, parse.GetValue(clusterName)));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
