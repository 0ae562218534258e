using System.Collections.Immutable;
using System.Text;
using System.Text.Json.Nodes;
using Mesh.Abstractions.Resources.Syntax;
using Mesh.Abstractions.Resources.Validation;

namespace Mesh.Abstractions.Resources;

/// <summary>One problem with one document: "doc 2: spec.rules[0].backendRefs[1].weight: must be 0..1000000".
/// Document numbers start at 1; 0 means the text as a whole (e.g. too large).</summary>
public sealed record ResourceError(int Document, string Path, string Message)
{
    public override string ToString() => $"doc {Document}: {Path}: {Message}";
}

/// <summary>A validated resource: identity plus its canonical JSON (apiVersion, kind, metadata, spec; defaults filled).</summary>
public sealed record ParsedResource(int Document, string ApiVersion, string Kind, string Namespace, string Name, string CanonicalJson);

public sealed record ParseResult(ImmutableArray<ParsedResource> Resources, ImmutableArray<ResourceError> Errors)
{
    public bool Ok => Errors.IsEmpty;
}

/// <summary>Parses multi-document YAML or JSON into validated resources. Unknown fields and invalid values are errors
/// with the document number and field path; a text with any error yields no resources (nothing half-applies).</summary>
public static class ResourceParser
{
    /// <summary>Largest text accepted, in UTF-8 bytes.</summary>
    public const int MaxTextBytes = 4 * 1024 * 1024;

    public static ParseResult Parse(string text, string defaultNamespace = MeshNames.DefaultNamespace)
    {
        var errors = new List<ResourceError>();
        if (Checks.Dns1123Label(defaultNamespace) is { } nsProblem)
            return Failed(new ResourceError(0, "(namespace)", nsProblem));
        var bytes = Encoding.UTF8.GetByteCount(text);
        if (bytes > MaxTextBytes)
            return Failed(new ResourceError(0, "(input)",
                $"the text is {bytes} bytes; the limit is 4 MiB ({MaxTextBytes} bytes): split it into several files"));

        ImmutableArray<SourceDocument> docs;
        try
        {
            var start = text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
            docs = start.StartsWith('{') || start.StartsWith('[') ? JsonSource.Read(text) : YamlSource.Read(text);
        }
        catch (SyntaxException e)
        {
            return Failed(new ResourceError(e.Document, e.Line > 0 ? $"line {e.Line}, column {e.Column}" : "(document)", e.Message));
        }

        var resources = ImmutableArray.CreateBuilder<ParsedResource>();
        var seen = new Dictionary<(string Kind, string Ns, string Name), int>();
        foreach (var (number, path, node) in Expand(docs, errors, defaultNamespace))
        {
            var ctx = new ReadContext(number, defaultNamespace, errors);
            if (ParseOne(node, path, ctx) is not { } resource) continue;
            var key = (resource.Kind, resource.Namespace, resource.Name);
            if (seen.TryGetValue(key, out var first))
                ctx.Error(ReadContext.Join(path, "metadata.name"), $"duplicate {resource.Kind} {resource.Namespace}/{resource.Name}: also in doc {first}");
            else
            {
                seen[key] = number;
                resources.Add(resource);
            }
        }
        return errors.Count > 0 ? new ParseResult([], [.. errors]) : new ParseResult(resources.ToImmutable(), []);
    }

    private static ParseResult Failed(ResourceError error) => new([], [error]);

    /// <summary>Documents to read: every non-empty document, with the items of a v1 List each read on its own.</summary>
    private static IEnumerable<(int Number, string Path, Node Node)> Expand(ImmutableArray<SourceDocument> docs, List<ResourceError> errors, string ns)
    {
        foreach (var doc in docs)
        {
            if (doc.Root is null) continue;
            if (doc.Root is MappingNode map && map.Get("kind") is ScalarNode { Value: "List" })
            {
                var ctx = new ReadContext(doc.Number, ns, errors);
                foreach (var (key, value) in map.Entries)
                    if (key is not ("apiVersion" or "kind" or "items" or "metadata"))
                        ctx.Error(key, "unknown field in a List; known fields: apiVersion, kind, metadata, items");
                if (map.Get("apiVersion") is not ScalarNode { Value: "v1" })
                    ctx.Error("apiVersion", "a List is v1");
                if (map.Get("items") is not SequenceNode items)
                {
                    ctx.Error("items", "must be a list of resources");
                    continue;
                }
                for (var i = 0; i < items.Items.Length; i++)
                    yield return (doc.Number, $"items[{i}]", items.Items[i]);
                continue;
            }
            yield return (doc.Number, "", doc.Root);
        }
    }

    private static ParsedResource? ParseOne(Node node, string path, ReadContext ctx)
    {
        if (node is not MappingNode map)
        {
            ctx.Error(path, "must be an object with apiVersion, kind, metadata and spec");
            return null;
        }
        var known = string.Join(", ", ResourceKinds.All.Select(k => k.Kind));
        var kindNode = map.Get("kind") as ScalarNode;
        var apiNode = map.Get("apiVersion") as ScalarNode;
        if (kindNode is null || kindNode.IsNull)
        {
            ctx.Error(ReadContext.Join(path, "kind"), $"is required; known kinds: {known}");
            return null;
        }
        var kind = ResourceKinds.All.FirstOrDefault(k => k.Kind == kindNode.Value);
        if (kind is null)
        {
            var close = ResourceKinds.Resolve(kindNode.Value);
            ctx.Error(ReadContext.Join(path, "kind"), close is not null
                ? $"unknown kind \"{kindNode.Value}\" (did you mean \"{close.Kind}\"?)"
                : $"unknown kind \"{kindNode.Value}\"; known kinds: {known}");
            return null;
        }
        if (apiNode is null || apiNode.IsNull)
        {
            ctx.Error(ReadContext.Join(path, "apiVersion"), $"is required: a {kind.Kind} is {kind.ApiVersion}");
            return null;
        }
        if (apiNode.Value != kind.ApiVersion)
        {
            ctx.Error(ReadContext.Join(path, "apiVersion"), $"a {kind.Kind} is {kind.ApiVersion}, not \"{apiNode.Value}\"");
            return null;
        }
        if (KindSchemas.ByKind[kind.Kind].Read(map, path, ctx) is not JsonObject canonical) return null;
        var metadata = canonical["metadata"]!;
        return new ParsedResource(ctx.Document, kind.ApiVersion, kind.Kind,
            metadata["namespace"]!.GetValue<string>(), metadata["name"]!.GetValue<string>(), ResourceJson.Write(canonical));
    }
}
