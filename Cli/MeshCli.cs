using System.CommandLine;
using Mesh.Cli.Commands;

namespace Mesh.Cli;

/// <summary>The `mesh` root command. Adding a verb = one file under Commands/ and one line in <see cref="CreateRoot"/>.</summary>
internal static class MeshCli
{
    public static RootCommand CreateRoot(CliContext context)
    {
        var root = new RootCommand("mesh: a service mesh with an Orleans control plane")
        {
            SiloCommand.Create(context),
            ApplyCommand.Create(context),
            GetCommand.Create(context),
            DeleteCommand.Create(context),
            DescribeCommand.Create(context),
            DiagnosticsCommand.Create(context),
            IdentityCommand.Create(context),
            MulticlusterCommand.Create(context),
            StatCommand.Create(context),
            EdgesCommand.Create(context),
            RoutesCommand.Create(context),
            TopCommand.Create(context),
            CheckCommand.Create(context),
            InstallCommand.Create(context),
            UninstallCommand.Create(context),
            InjectCommand.Create(context),
            VersionCommand.Create(context),
            ProxyCommand.Create(context),
            RunCommand.Create(context),
            Demo.DemoCommand.Create(context),
            Demo.DemoCommands.App(context),
            Demo.DemoCommands.Traffic(context),
        };
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>. Parse errors print `error:` lines and the command's usage to
    /// stderr (stdout stays clean for `-o json`) and return <see cref="ExitCodes.UserError"/>.</summary>
    public static async Task<int> InvokeAsync(string[] args, CliContext context, CancellationToken cancellationToken)
    {
        var root = CreateRoot(context);
        var parse = root.Parse(args);
        var invocation = new InvocationConfiguration
        {
            Output = context.Console.Out,
            Error = context.Console.ErrorWriter,
            // Ctrl-C is handled by the caller's token (Program.cs), so `mesh silo` keeps its host's own shutdown.
            ProcessTerminationTimeout = null,
        };
        if (parse.Errors.Count == 0)
            return await parse.InvokeAsync(invocation, cancellationToken);

        foreach (var error in parse.Errors)
            context.Console.Error(error.Message);
        // The usage of the command the user was typing, on stderr.
        context.Console.ErrorWriter.WriteLine();
        await root.Parse([.. CommandPath(parse.CommandResult), "--help"])
            .InvokeAsync(new InvocationConfiguration { Output = context.Console.ErrorWriter }, cancellationToken);
        return ExitCodes.UserError;
    }

    private static IEnumerable<string> CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new Stack<string>();
        for (var current = result; current?.Parent is System.CommandLine.Parsing.CommandResult parent; current = parent)
            names.Push(current.Command.Name);
        return names;
    }
}
