using System.CommandLine;
using System.Text.Json;
using Mesh.Admin.Contract;
using Mesh.Cli.Connection;
using Mesh.Cli.Manifests;
using Mesh.Cli.Output;

namespace Mesh.Cli.Commands;

/// <summary>`mesh apply -f FILE|DIR|-`: sends manifests to the silo, which validates everything before writing anything.
/// With several files, all are dry-run first so one bad file leaves every file unapplied.</summary>
internal static class ApplyCommand
{
    public static Command Create(CliContext context)
    {
        var files = CommonOptions.Files("Manifest to apply (YAML or JSON; repeatable; a directory applies its *.yaml, *.yml, *.json; - reads stdin)");
        files.Required = true;
        var ns = CommonOptions.Namespace("Namespace for resources that name none (default: default)");
        var dryRun = new Option<bool>("--dry-run") { Description = "Validate on the silo and show what would change, write nothing" };
        var output = OutputFormat.CreateOption("text", OutputFormat.Json);

        var command = new Command("apply", "Create or update resources from manifests") { files, ns, dryRun, output };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, () => RunAsync(
            context, parse.GetValue(files) ?? [], parse.GetValue(ns), parse.GetValue(dryRun), parse.GetValue(output)!, ct), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string[] paths, string? ns, bool dryRun, string output, CancellationToken ct)
    {
        var sources = ManifestSource.ReadAll(paths, context.Stdin);
        using var admin = AdminClient.Create(context);

        // One request is atomic on the silo; across files, a dry run of each file first keeps "all or nothing".
        if (sources.Count > 1 && !dryRun)
        {
            foreach (var source in sources)
                await ApplySourceAsync(admin, source, ns, dryRun: true, prefix: true, ct);
        }

        var results = new List<ResourceOutcome>();
        var warnings = new List<string>();
        foreach (var source in sources)
        {
            var applied = await ApplySourceAsync(admin, source, ns, dryRun, prefix: sources.Count > 1, ct);
            results.AddRange((applied.Results ?? []).OfType<ResourceOutcome>());
            warnings.AddRange((applied.Warnings ?? []).OfType<string>().Select(w => sources.Count > 1 ? $"{source.Name}: {w}" : w));
        }
        // Applied, but will not route as written: said on stderr whatever the output format.
        foreach (var warning in warnings)
            context.Console.Note("warning: " + warning);

        if (output == OutputFormat.Json)
        {
            context.Console.Out.WriteLine(Json.Write(JsonSerializer.SerializeToNode(results, AdminJsonContext.Default.ListResourceOutcome)));
            return ExitCodes.Ok;
        }
        foreach (var result in results)
        {
            var line = $"{ResourceNames.Of(result.Kind ?? "resource", result.Name ?? "?")} {result.Action ?? "applied"}";
            context.Console.Out.WriteLine(dryRun ? line + " (dry run)" : line);
        }
        return ExitCodes.Ok;
    }

    private static async Task<ApplyResponse> ApplySourceAsync(AdminClient admin, ManifestSource source,
        string? ns, bool dryRun, bool prefix, CancellationToken ct)
    {
        try
        {
            return await admin.ApplyAsync(source.Text, ns, dryRun, ct);
        }
        catch (AdminProblemException e) when (e.Status == System.Net.HttpStatusCode.BadRequest)
        {
            var at = prefix ? source.Name + ": " : "";
            IReadOnlyList<string> lines = e.Problem.Errors.Count > 0
                ? e.Problem.Errors.Select(err => at + err).ToList()
                : [at + e.Problem.Summary];
            throw new CliException(lines, ExitCodes.UserError, "nothing was applied; fix the errors above and run mesh apply again");
        }
    }
}
