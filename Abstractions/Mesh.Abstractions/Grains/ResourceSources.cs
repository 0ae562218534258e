using Mesh.Names;

namespace Mesh.Abstractions.Grains;

/// <summary>Who wrote a catalog resource: `mesh apply` / the admin API, the Kubernetes sync, or a federation link to
/// another cluster. Stored with the resource and passed with every write; never inferred from a resource's name.</summary>
public static class ResourceSources
{
    /// <summary>`mesh apply` and the admin API; what a resource stored before sources existed belongs to.</summary>
    public const string Apply = "apply";
    /// <summary>The Kubernetes sync (the objects live in the cluster's API server).</summary>
    public const string Kubernetes = "kubernetes";
    /// <summary>Prefix of a federation link's source, <c>link/&lt;cluster&gt;</c>.</summary>
    public const string LinkPrefix = "link/";

    public static string Link(string cluster) => LinkPrefix + cluster;

    /// <summary>Null when <paramref name="source"/> is one of the three forms (the cluster of a link a DNS label);
    /// otherwise what is wrong with it.</summary>
    public static string? Validate(string? source)
    {
        if (string.IsNullOrEmpty(source)) return "the write names no source: expected apply, kubernetes or link/<cluster>";
        if (source is Apply or Kubernetes) return null;
        if (source.StartsWith(LinkPrefix, StringComparison.Ordinal))
            return DnsLabel.IsValid(source.AsSpan(LinkPrefix.Length))
                ? null
                : $"source '{source}': the cluster of a link must be a DNS label (a-z, 0-9, '-', at most {DnsLabel.MaxLength})";
        return $"unknown source '{source}': expected apply, kubernetes or link/<cluster>";
    }

    /// <summary>Why a resource owned by <paramref name="owner"/> cannot be changed by another writer, and where to
    /// change it instead.</summary>
    public static string OwnedBy(string owner) => owner switch
    {
        Kubernetes => "managed by Kubernetes: use kubectl",
        Apply => "written by mesh apply: change or delete it with mesh",
        _ when owner.StartsWith(LinkPrefix, StringComparison.Ordinal) =>
            $"mirrored from cluster {owner[LinkPrefix.Length..]}: change it in that cluster or unlink it",
        _ => $"written by {owner}",
    };
}
