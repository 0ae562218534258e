using System.CommandLine;
using System.Text.Json.Nodes;
using Mesh.Cli.Manifests;
using Mesh.Cli.Output;
using Mesh.Injection;
using Mesh.Names;

namespace Mesh.Cli.Commands;

/// <summary>`mesh inject -f FILE|DIR|-`: the injector webhook's transform, offline. Prints the manifests with the proxy
/// added to every Pod and pod template (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Lists of them);
/// other objects pass through. Nothing annotated means injected (the user asked); `mesh.io/inject: disabled` on the
/// object or a Namespace in the same input is honoured. Any invalid object fails the run: nothing is printed.</summary>
internal static class InjectCommand
{
    public static Command Create(CliContext context)
    {
        var files = CommonOptions.Files("Manifests to inject (YAML or JSON, multi-document; repeatable; a directory reads its *.yaml, *.yml, *.json; - reads stdin)");
        files.Required = true;
        var ns = CommonOptions.Namespace("Namespace of objects that name none (default: default)");
        var image = new Option<string>("--proxy-image") { Description = "Proxy image, without tag", DefaultValueFactory = _ => InjectionSettings.DefaultImage };
        var version = new Option<string>("--proxy-version") { Description = "Proxy version (the image tag)", DefaultValueFactory = _ => InjectionSettings.DefaultVersion };
        var trustDomain = new Option<string?>("--trust-domain")
        {
            Description = "Trust domain of the proxies' identities, the one the silo was installed with (default: MESH_TRUST_DOMAIN or cluster.local)",
            HelpName = "name",
        };
        var output = OutputFormat.CreateOption(OutputFormat.Yaml, OutputFormat.Json);

        var command = new Command("inject", "Add the mesh proxy to workloads in manifests (for | kubectl apply -f -)") { files, ns, image, version, trustDomain, output };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, () => Task.FromResult(Run(context,
            parse.GetValue(files) ?? [], parse.GetValue(ns) ?? CommonOptions.DefaultNamespace,
            new InjectionSettings { Image = parse.GetValue(image)!, Version = parse.GetValue(version)!, TrustDomain = TrustDomain(context, parse.GetValue(trustDomain)) },
            parse.GetValue(output)!)), ct));
        return command;
    }

    /// <summary>As `mesh install` resolves it, so `mesh inject` beside a `mesh install --trust-domain` names the same one:
    /// a proxy certifies only for an identity in its silo's trust domain.</summary>
    private static string TrustDomain(CliContext context, string? flag)
    {
        var (value, source) = flag is { Length: > 0 } f ? (f, "--trust-domain")
            : context.GetEnvironmentVariable("MESH_TRUST_DOMAIN") is { Length: > 0 } env ? (env, "MESH_TRUST_DOMAIN")
            : (SpiffeId.DefaultTrustDomain, "");
        if (!IdentityInitCommand.IsValidTrustDomain(value))
            throw new CliException($"{source} '{value}' is not a trust domain", hint: "use lowercase letters, digits, '-' and '.', e.g. cluster.local (nothing was printed)");
        return value;
    }

    private static int Run(CliContext context, string[] paths, string ns, InjectionSettings settings, string output)
    {
        if (settings.Problems() is { Count: > 0 } problems)
            throw new CliException(problems, ExitCodes.UserError, "fix --proxy-image / --proxy-version");
        var sources = ManifestSource.ReadAll(paths, context.Stdin);
        var documents = new List<JsonNode>();
        var notes = new List<string>();
        foreach (var source in sources)
        {
            var at = sources.Count > 1 ? source.Name + ": " : "";
            ManifestResult result;
            try { result = ManifestInjector.Inject(source.Text, settings, ns); }
            catch (ManifestException e) { throw Failed([at + e]); }
            catch (ManifestErrors e) { throw Failed([.. e.Errors.Select(x => at + x)]); }
            documents.AddRange(result.Documents);
            foreach (var r in result.Reports)
            {
                notes.Add(r.Outcome == InjectionOutcome.Injected ? $"{at}{r.Object} injected" : $"{at}{r.Object} skipped: {r.Reason}");
                notes.AddRange(r.Warnings.Select(w => $"warning: {at}document {r.Document}: {w}"));
            }
        }
        context.Console.Out.Write(output == OutputFormat.Json ? Json.Write(AsOne(documents)) + "\n" : ManifestText.Yaml(documents));
        foreach (var note in notes) context.Console.Note(note);
        return ExitCodes.Ok;
    }

    private static CliException Failed(IReadOnlyList<string> lines) =>
        new(lines, ExitCodes.UserError, "nothing was printed; fix the fields above and run mesh inject again");

    /// <summary>One document as itself, several as a v1 List, as `kubectl get -o json` prints them.</summary>
    private static JsonNode AsOne(List<JsonNode> documents) => documents.Count == 1 ? documents[0]
        : new JsonObject { ["apiVersion"] = "v1", ["kind"] = "List", ["items"] = new JsonArray([.. documents.Select(d => d.DeepClone())]) };
}
