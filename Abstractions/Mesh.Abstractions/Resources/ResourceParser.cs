using System.Collections.Immutable;

namespace Mesh.Abstractions.Resources;

/// <summary>One problem with one document: "doc 2: spec.rules[0].backendRefs[1].weight: must be 0..1000000".
/// Document numbers start at 1.</summary>
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
    public static ParseResult Parse(string text, string defaultNamespace = MeshNames.DefaultNamespace) =>
        throw new NotImplementedException("filled in by the resource model work (issue 2)");
}
