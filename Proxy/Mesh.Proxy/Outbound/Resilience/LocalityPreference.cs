namespace Mesh.Proxy.Outbound.Resilience;

/// <summary>The endpoints a prefer-local service balances over: this cluster's while any of them is available, else
/// every available one (the remote clusters' take over only when the local ones are all down, and hand back as soon
/// as one is up again, linkerd2 #8464).</summary>
internal static class LocalityPreference
{
    /// <summary>Destination metadata key: the linked cluster a remote endpoint lives in (absent for local ones).</summary>
    public const string ClusterMetadata = "mesh.cluster";
    /// <summary>Cluster metadata key: present when the service prefers local endpoints.</summary>
    public const string PreferLocalMetadata = "mesh.prefer-local";

    public static IReadOnlyList<T> Candidates<T>(IReadOnlyList<T> available, Func<T, bool> isLocal)
    {
        var locals = 0;
        for (var i = 0; i < available.Count; i++) if (isLocal(available[i])) locals++;
        // All local or none local: the input as it is (no copy on the common path).
        if (locals == 0 || locals == available.Count) return available;
        var result = new T[locals];
        var n = 0;
        for (var i = 0; i < available.Count; i++) if (isLocal(available[i])) result[n++] = available[i];
        return result;
    }
}
