using System.CommandLine;

namespace Mesh.Cli.Commands;

/// <summary>`mesh multicluster …`: linking clusters whose silos federate their exports. Each subcommand is its own file.</summary>
internal static class MulticlusterCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("multicluster", "Link clusters: generate a Link for the other side, allow a peer silo, unlink, check links, list gateways");
        command.Subcommands.Add(MulticlusterLinkGenCommand.Create(context));
        command.Subcommands.Add(MulticlusterAllowCommand.Create(context));
        command.Subcommands.Add(MulticlusterUnlinkCommand.Create(context));
        command.Subcommands.Add(MulticlusterCheckCommand.Create(context));
        command.Subcommands.Add(MulticlusterGatewaysCommand.Create(context));
        return command;
    }
}
