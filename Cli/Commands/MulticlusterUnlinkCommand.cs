using System.CommandLine;
using Mesh.Cli.Connection;
using Mesh.Names;

namespace Mesh.Cli.Commands;

/// <summary>`mesh multicluster unlink CLUSTER`: in one step, deletes the Link to CLUSTER and exactly the resources
/// the catalog records as written by that link (source link/CLUSTER) — never a resource because of its name.</summary>
internal static class MulticlusterUnlinkCommand
{
    public static Command Create(CliContext context)
    {
        var cluster = new Argument<string>("cluster") { Description = "The linked cluster's name (the Link's name), e.g. west" }.RejectingOptionLikeValues();
        cluster.Validators.Add(result =>
        {
            if (!DnsLabel.IsValid(result.GetValueOrDefault<string>()))
                result.AddError($"'{result.GetValueOrDefault<string>()}' is not a cluster name: use a DNS label (lowercase letters, digits and '-')");
        });
        var command = new Command("unlink", "Remove a Link and every mirror it wrote (exactly the resources of source link/CLUSTER)") { cluster };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, async () =>
        {
            var name = parse.GetValue(cluster)!;
            using var admin = AdminClient.Create(context);
            var answer = await admin.UnlinkAsync(name, ct);
            if (!answer.LinkDeleted && answer.Deleted.Count == 0)
                throw new CliException($"nothing to unlink: no Link {name} and no resources of source link/{name}",
                    hint: "mesh get links -n mesh lists the Links");
            var console = context.Console;
            console.Out.WriteLine(answer.LinkDeleted ? $"link {KubernetesObjects.Namespace}/{name} deleted" : $"no Link {name} (already deleted)");
            console.Out.WriteLine($"{answer.Deleted.Count} resource(s) of source link/{name} deleted");
            foreach (var line in answer.Deleted) console.Out.WriteLine("  " + line);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
