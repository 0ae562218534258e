using System.CommandLine;

namespace Mesh.Cli.Commands;

/// <summary>`mesh diagnostics …`: looks at what the control plane tells proxies. Each subcommand is its own file.</summary>
internal static class DiagnosticsCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("diagnostics", "Inspect what the control plane serves to proxies");
        command.Aliases.Add("diag");
        command.Subcommands.Add(DiagnosticsEndpointsCommand.Create(context));
        return command;
    }
}
