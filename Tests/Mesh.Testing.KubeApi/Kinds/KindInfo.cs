using System.Collections.Immutable;

namespace Mesh.Testing.KubeApi.Kinds;

/// <summary>One served resource: where it lives in the URL space, how it is named, and how it is stored and patched.</summary>
/// <param name="MergeKeys">Strategic-merge-patch list keys by field path with list items elided
/// (<c>spec.containers</c> → <c>name</c>); a list not named here is replaced whole (atomic).</param>
/// <param name="PrimitiveMergeLists">Lists of scalars that strategic merge patch merges as sets (<c>metadata.finalizers</c>).</param>
/// <param name="FieldLabels">Fields a <c>fieldSelector</c> may name besides metadata.name and metadata.namespace,
/// as the kind's registry declares them (pods: <c>status.podIP</c>, <c>spec.nodeName</c>, …).</param>
public sealed record KindInfo(
    string Group,
    string Version,
    string Resource,
    string Kind,
    bool Namespaced,
    bool HasStatus,
    bool IsCustom,
    ImmutableArray<string> ShortNames,
    ImmutableDictionary<string, string> MergeKeys,
    ImmutableHashSet<string> PrimitiveMergeLists,
    ImmutableHashSet<string> FieldLabels)
{
    /// <summary>A review kind (TokenReview, SelfSubjectAccessReview): only POST, answered, never stored.</summary>
    public bool CreateOnly { get; init; }

    public string Singular => Kind.ToLowerInvariant();
    public string ListKind => Kind + "List";
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>Storage identity: one object per group/resource/namespace/name whatever version serves it.</summary>
    public string StorageKey => $"{Group}/{Resource}";

    public static readonly ImmutableDictionary<string, string> CommonMergeKeys =
        ImmutableDictionary<string, string>.Empty.Add("metadata.ownerReferences", "uid");

    public static readonly ImmutableHashSet<string> CommonPrimitiveLists = ImmutableHashSet.Create("metadata.finalizers");

    public static KindInfo Create(string group, string version, string resource, string kind, bool namespaced, bool hasStatus,
        string[]? shortNames = null, (string Path, string Key)[]? mergeKeys = null, bool isCustom = false, string[]? fieldLabels = null)
    {
        var keys = CommonMergeKeys;
        foreach (var (path, key) in mergeKeys ?? []) keys = keys.SetItem(path, key);
        return new KindInfo(group, version, resource, kind, namespaced, hasStatus, isCustom,
            [.. shortNames ?? []], keys, CommonPrimitiveLists, [.. fieldLabels ?? []]);
    }
}
