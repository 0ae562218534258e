using System.CommandLine;
using System.Net;
using Mesh.Cli.Connection;
using Mesh.Cli.Manifests;
using Mesh.Cli.Output;

namespace Mesh.Cli.Commands;

/// <summary>`mesh delete KIND NAME` or `mesh delete -f FILE`: removes resources. Every target is attempted;
/// any not found makes the exit code 1 unless --ignore-not-found.</summary>
internal static class DeleteCommand
{
    public static Command Create(CliContext context)
    {
        var kind = new Argument<string?>("kind") { Description = "Kind or alias (services, workloads, httproutes, …)", Arity = ArgumentArity.ZeroOrOne }.RejectingOptionLikeValues();
        var name = new Argument<string?>("name") { Description = "Name of the resource", Arity = ArgumentArity.ZeroOrOne }.RejectingOptionLikeValues();
        var files = CommonOptions.Files("Delete the resources a manifest names (repeatable; a directory; - reads stdin)");
        var ns = CommonOptions.Namespace("Namespace (default: default; for -f, of documents that name none)");
        var ignoreNotFound = new Option<bool>("--ignore-not-found") { Description = "Treat resources that do not exist as deleted" };

        var command = new Command("delete", "Delete resources by kind and name, or those a manifest names") { kind, name, files, ns, ignoreNotFound };
        command.Validators.Add(result =>
        {
            var hasFiles = result.GetValue(files) is { Length: > 0 };
            var hasKind = result.GetValue(kind) is not null;
            if (hasFiles && hasKind)
                result.AddError("give either KIND NAME or -f FILE, not both");
            else if (!hasFiles && !hasKind)
                result.AddError("nothing to delete: give KIND NAME (e.g. mesh delete service books) or -f FILE");
            else if (hasKind && result.GetValue(name) is null)
                result.AddError($"missing the name: mesh delete {result.GetValue(kind)} NAME");
        });
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, () => RunAsync(
            context, parse.GetValue(kind), parse.GetValue(name), parse.GetValue(files) ?? [], parse.GetValue(ns),
            parse.GetValue(ignoreNotFound), ct), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string? kind, string? name, string[] files, string? ns, bool ignoreNotFound, CancellationToken ct)
    {
        var defaultNamespace = ns ?? CommonOptions.DefaultNamespace;
        var targets = files.Length == 0
            ? [new ManifestIdentity(1, kind!, defaultNamespace, name!)]
            : ManifestSource.ReadAll(files, context.Stdin).SelectMany(s => ManifestIdentity.ReadAll(s.Text, defaultNamespace, s.Name)).ToList();

        using var admin = AdminClient.Create(context);
        var missing = 0;
        foreach (var target in targets)
        {
            var display = ResourceNames.Of(target.Kind, target.Name);
            try
            {
                await admin.DeleteAsync(target.Kind, target.Namespace, target.Name, ct);
                context.Console.Out.WriteLine($"{display} deleted");
            }
            catch (AdminProblemException e) when (e.Status == HttpStatusCode.NotFound)
            {
                if (ignoreNotFound)
                    continue;
                missing++;
                context.Console.Error($"{display} not found in namespace {target.Namespace}");
            }
        }
        if (missing > 0)
            context.Console.Note("check the names with mesh get KIND -A, or pass --ignore-not-found");
        return missing == 0 ? ExitCodes.Ok : ExitCodes.UserError;
    }
}
