using System.Collections.Immutable;

namespace Mesh.Testing.KubeApi.Kinds;

/// <summary>The kinds served now: the built-ins plus one per served version of every established CRD.
/// Readers get an immutable snapshot; writers swap it whole.</summary>
public sealed class KindRegistry
{
    private ImmutableArray<KindInfo> _kinds = [.. BuiltInKinds.All()];

    public ImmutableArray<KindInfo> All => _kinds;

    public KindInfo? Find(string group, string version, string resource) =>
        _kinds.FirstOrDefault(k => k.Group == group && k.Version == version && k.Resource == resource);

    public KindInfo? FindByKind(string apiVersion, string kind) =>
        _kinds.FirstOrDefault(k => k.ApiVersion == apiVersion && k.Kind == kind);

    public void Register(KindInfo kind) => ImmutableInterlocked.Update(ref _kinds,
        ks => ks.RemoveAll(k => k.Group == kind.Group && k.Version == kind.Version && k.Resource == kind.Resource).Add(kind));

    public void RemoveCustom(string group, string resource) =>
        ImmutableInterlocked.Update(ref _kinds, ks => ks.RemoveAll(k => k.IsCustom && k.Group == group && k.Resource == resource));

    /// <summary>Groups in discovery order (core first, then by name), each with its versions.</summary>
    public IEnumerable<IGrouping<string, KindInfo>> Groups() =>
        _kinds.Where(k => k.Group.Length > 0).GroupBy(k => k.Group).OrderBy(g => g.Key, StringComparer.Ordinal);
}
