namespace Mesh.Names;

/// <summary>The names the mesh assumes when none is configured.</summary>
public static class NameDefaults
{
    /// <summary>Namespace of a bare service name ("books" is "books.default").</summary>
    public const string Namespace = "default";

    /// <summary>DNS suffix of services: "&lt;name&gt;.&lt;ns&gt;.svc.cluster.local".</summary>
    public const string ClusterDomain = "cluster.local";

    /// <summary>Trust domain of workload identities: "spiffe://cluster.local/ns/&lt;ns&gt;/sa/&lt;sa&gt;".</summary>
    public const string TrustDomain = "cluster.local";
}
