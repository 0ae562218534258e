using System.CommandLine;
using System.Net;
using System.Text.Json.Nodes;
using Mesh.Cli.Connection;
using Mesh.Cli.Output;

namespace Mesh.Cli.Commands;

/// <summary>`mesh get KIND [NAME]`: lists or shows resources as a table, JSON or YAML.</summary>
internal static class GetCommand
{
    public static Command Create(CliContext context)
    {
        var kind = new Argument<string>("kind") { Description = "Kind or alias: services (svc), workloads (wl), httproutes, grpcroutes, servers, authorizationpolicies, …" }.RejectingOptionLikeValues();
        var name = new Argument<string?>("name") { Description = "One resource's name (default: all of the kind)", Arity = ArgumentArity.ZeroOrOne }.RejectingOptionLikeValues();
        var ns = CommonOptions.Namespace();
        var all = new Option<bool>("--all-namespaces", "-A") { Description = "List every namespace" };
        var output = OutputFormat.CreateOption(OutputFormat.Table, OutputFormat.Wide, OutputFormat.Json, OutputFormat.Yaml);

        var command = new Command("get", "List resources, or show one") { kind, name, ns, all, output };
        command.Validators.Add(result =>
        {
            if (result.GetValue(all) && result.GetValue(ns) is not null)
                result.AddError("-A and -n cannot be combined: -A lists every namespace");
            if (result.GetValue(all) && result.GetValue(name) is not null)
                result.AddError("-A lists a kind; to show one resource give its namespace with -n instead");
        });
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, () => RunAsync(
            context, parse.GetValue(kind)!, parse.GetValue(name), parse.GetValue(all) ? null : parse.GetValue(ns) ?? CommonOptions.DefaultNamespace,
            parse.GetValue(output)!, ct), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string kind, string? name, string? ns, string output, CancellationToken ct)
    {
        using var admin = AdminClient.Create(context);
        List<JsonNode> items;
        JsonNode? single = null;
        if (name is null)
        {
            items = [.. await admin.ListAsync(kind, ns, ct)];
        }
        else
        {
            try
            {
                single = await admin.GetAsync(kind, ns!, name, ct);
            }
            catch (AdminProblemException e) when (e.Status == HttpStatusCode.NotFound)
            {
                throw new CliException($"{ResourceNames.Of(kind, name)} not found in namespace {ns}",
                    hint: $"list what exists with: mesh get {kind} -A");
            }
            items = single is null ? [] : [single];
        }

        var console = context.Console;
        switch (output)
        {
            case OutputFormat.Json:
                console.Out.WriteLine(Json.Write(single ?? new JsonArray(items.Select(i => i.DeepClone()).ToArray())));
                break;
            case OutputFormat.Yaml:
                console.Out.Write(YamlRenderer.RenderDocuments(items));
                break;
            default:
                if (items.Count == 0)
                {
                    console.Note(ns is null ? "No resources found." : $"No resources found in namespace {ns}.");
                    break;
                }
                WriteTable(console, items, output == OutputFormat.Wide);
                break;
        }
        return ExitCodes.Ok;
    }

    /// <summary>One table per kind present (a kind alias always yields one kind, but the silo has the last word).</summary>
    private static void WriteTable(IConsoleOutput console, IReadOnlyList<JsonNode> items, bool wide)
    {
        foreach (var group in items.GroupBy(i => Json.Str(i["kind"]) ?? ""))
        {
            var columns = ResourceColumns.For(group.Key, wide);
            var table = Tables.Create(["NAMESPACE", "NAME", .. columns.Select(c => c.Header)]);
            foreach (var item in group.OrderBy(i => Json.Str(i["metadata"]?["namespace"]), StringComparer.Ordinal)
                                      .ThenBy(i => Json.Str(i["metadata"]?["name"]), StringComparer.Ordinal))
            {
                Tables.AddRow(table, [
                    Json.Str(item["metadata"]?["namespace"]) ?? "",
                    Json.Str(item["metadata"]?["name"]) ?? "",
                    .. columns.Select(c => c.Read(item))]);
            }
            console.Ansi.Write(table);
        }
    }
}
