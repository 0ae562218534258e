using Mesh.Abstractions.Resources;

namespace Mesh.Cli.Output;

/// <summary>How results name a resource: "service/books", "httproute/books-split" (kubectl's habit).</summary>
internal static class ResourceNames
{
    /// <summary>The lower-case kind for whatever the user or the silo called it ("svc" → "service").</summary>
    public static string Kind(string kindOrAlias) => (ResourceKinds.Resolve(kindOrAlias)?.Kind ?? kindOrAlias).ToLowerInvariant();

    public static string Of(string kindOrAlias, string name) => $"{Kind(kindOrAlias)}/{name}";
}
