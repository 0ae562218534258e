namespace Mesh.Testing.KubeApi.Store;

/// <summary>Where one object lives: its kind's storage key (group/resource), its namespace ("" when cluster-scoped), its name.</summary>
internal readonly record struct ObjectKey(string Kind, string Namespace, string Name) : IComparable<ObjectKey>
{
    public int CompareTo(ObjectKey other)
    {
        var c = string.CompareOrdinal(Namespace, other.Namespace);
        return c != 0 ? c : string.CompareOrdinal(Name, other.Name);
    }
}
