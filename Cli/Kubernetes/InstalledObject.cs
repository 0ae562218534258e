using System.Text;
using YamlDotNet.RepresentationModel;

namespace Mesh.Cli.Kubernetes;

/// <summary>An object of the install by its identity only (what `kubectl delete -f` needs).</summary>
internal sealed record InstalledObject(string ApiVersion, string Kind, string Name, string? Namespace)
{
    /// <summary>The objects of a rendered install, in its order. A document without apiVersion, kind or name is a bug
    /// in deploy/ and throws.</summary>
    public static IReadOnlyList<InstalledObject> Read(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var objects = new List<InstalledObject>();
        foreach (var document in stream.Documents)
        {
            if (document.RootNode is not YamlMappingNode root) continue;
            var metadata = Child(root, "metadata") as YamlMappingNode;
            var apiVersion = Text(root, "apiVersion");
            var kind = Text(root, "kind");
            var name = metadata is null ? null : Text(metadata, "name");
            if (apiVersion is null || kind is null || name is null)
                throw new InvalidOperationException($"a document of the install lacks apiVersion, kind or metadata.name (kind {kind ?? "?"}, name {name ?? "?"})");
            objects.Add(new InstalledObject(apiVersion, kind, name, metadata is null ? null : Text(metadata, "namespace")));
        }
        return objects;
    }

    /// <summary>This object as a YAML document of its identity.</summary>
    public string ToYaml()
    {
        var text = new StringBuilder();
        text.Append("apiVersion: ").Append(ApiVersion).Append('\n');
        text.Append("kind: ").Append(Kind).Append('\n');
        text.Append("metadata:\n  name: ").Append(Name).Append('\n');
        if (Namespace is not null) text.Append("  namespace: ").Append(Namespace).Append('\n');
        return text.ToString();
    }

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private static string? Text(YamlMappingNode map, string key) => Child(map, key) is YamlScalarNode { Value: { Length: > 0 } v } ? v : null;
}
