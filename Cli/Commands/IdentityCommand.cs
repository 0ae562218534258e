using System.CommandLine;

namespace Mesh.Cli.Commands;

/// <summary>`mesh identity …`: the mesh CA and workload identities. Each subcommand is its own file.</summary>
internal static class IdentityCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("identity", "Trust anchors, the issuer, workload tokens and issued certificates");
        command.Subcommands.Add(IdentityListCommand.Create(context));
        command.Subcommands.Add(IdentityTokenCommand.Create(context));
        command.Subcommands.Add(IdentityRotateIssuerCommand.Create(context));
        command.Subcommands.Add(IdentityInitCommand.Create(context));
        command.Subcommands.Add(IdentityIssuerCommand.Create(context));
        return command;
    }
}
