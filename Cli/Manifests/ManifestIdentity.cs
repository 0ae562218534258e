using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mesh.Cli.Manifests;

/// <summary>kind / namespace / name of one manifest document, read without validating the rest
/// (what `mesh delete -f` needs; the silo validates what `apply` sends).</summary>
internal sealed record ManifestIdentity(int Document, string Kind, string Namespace, string Name)
{
    /// <summary>Identities of every document in <paramref name="text"/> (YAML or JSON); errors name the document.</summary>
    public static IReadOnlyList<ManifestIdentity> ReadAll(string text, string defaultNamespace, string sourceName)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new CliException($"{sourceName}: line {e.Start.Line}: {e.Message}", hint: "fix the YAML syntax");
        }

        var result = new List<ManifestIdentity>();
        var errors = new List<string>();
        var index = 0;
        foreach (var document in stream.Documents)
        {
            index++;
            if (document.RootNode is YamlScalarNode { Value: null or "" or "~" or "null" })
                continue; // an empty document, e.g. after a trailing "---"
            if (document.RootNode is not YamlMappingNode root)
            {
                errors.Add($"{sourceName}: doc {index}: not a resource (expected a mapping with kind and metadata)");
                continue;
            }
            var kind = Scalar(root, "kind");
            var metadata = root.Children.TryGetValue(new YamlScalarNode("metadata"), out var m) ? m as YamlMappingNode : null;
            var name = metadata is null ? null : Scalar(metadata, "name");
            var ns = (metadata is null ? null : Scalar(metadata, "namespace")) ?? defaultNamespace;
            if (kind is null)
                errors.Add($"{sourceName}: doc {index}: kind: required");
            if (name is null)
                errors.Add($"{sourceName}: doc {index}: metadata.name: required");
            if (kind is not null && name is not null)
                result.Add(new ManifestIdentity(index, kind, ns, name));
        }
        if (errors.Count > 0)
            throw new CliException(errors, ExitCodes.UserError, "nothing was deleted; fix the manifest and run the command again");
        if (result.Count == 0)
            throw new CliException($"{sourceName}: no resources in the manifest");
        return result;
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode { Value: { Length: > 0 } s } ? s : null;
}
