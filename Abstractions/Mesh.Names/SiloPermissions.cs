namespace Mesh.Names;

/// <summary>One thing the silo's ServiceAccount must be allowed to do with the Kubernetes API, and why.
/// <paramref name="InSiloNamespace"/>: asked in the silo's own namespace (a Role there is enough); otherwise
/// cluster-wide (a ClusterRole).</summary>
public sealed record SiloPermission(string Group, string Resource, string Verb, string Why, bool InSiloNamespace = false)
{
    /// <summary>"tokenreviews.authentication.k8s.io", "pods" — as kubectl and RBAC messages spell a resource.</summary>
    public string Qualified => Group.Length == 0 ? Resource : $"{Resource}.{Group}";
}

/// <summary>What the silo does with the Kubernetes API in Kubernetes mode, one list per feature. Read by the silo's
/// start check (a SelfSubjectAccessReview each: a missing one fails the start) and by `mesh check --kubernetes` (a
/// SubjectAccessReview each for the silo's ServiceAccount). A feature that calls the API adds its rules to its list
/// here (and to deploy/'s RBAC), so neither check can miss them.</summary>
public static class SiloPermissions
{
    /// <summary>Identity.Certify checks proxies' projected ServiceAccount tokens.</summary>
    public static IReadOnlyList<SiloPermission> Identity { get; } =
    [
        new("authentication.k8s.io", "tokenreviews", "create", "to check proxies' ServiceAccount tokens in Identity.Certify"),
    ];

    /// <summary>The Kubernetes sync (Silo/Kubernetes/Sync): list + watch of every synced kind, Events on invalid
    /// objects, the leader Lease.</summary>
    public static IReadOnlyList<SiloPermission> Sync { get; } =
    [
        .. ListWatch("", ["namespaces", "services", "pods"]),
        .. ListWatch("gateway.networking.k8s.io", ["httproutes", "grpcroutes"]),
        .. ListWatch("policy.mesh.io", ["servers", "authorizationpolicies", "meshtlsauthentications", "networkauthentications", "httplocalratelimitpolicies"]),
        new("", "events", "create", "to report an object the mesh rejects (Warning InvalidMeshResource)"),
        .. new[] { "get", "create", "update" }.Select(v =>
            new SiloPermission("coordination.k8s.io", "leases", v, $"to hold the sync's leader Lease {KubernetesObjects.SyncLease}", InSiloNamespace: true)),
    ];

    /// <summary>Orleans' Kubernetes hosting (Microsoft.Orleans.Hosting.Kubernetes, with MESH_REDIS): each silo labels
    /// its own pod and watches the silo pods, so a deleted pod's silo is declared dead.</summary>
    public static IReadOnlyList<SiloPermission> Hosting { get; } =
    [
        .. new[] { "get", "patch", "list", "watch" }.Select(v =>
            new SiloPermission("", "pods", v, "Orleans Kubernetes hosting: label this silo's pod and watch the silo pods", InSiloNamespace: true)),
    ];

    /// <summary>Everything a silo of the shipped deployment (Kubernetes mode with Redis) needs.</summary>
    public static IReadOnlyList<SiloPermission> All { get; } = [.. Identity, .. Sync, .. Hosting];

    private static IEnumerable<SiloPermission> ListWatch(string group, string[] resources) =>
        resources.SelectMany(r => new[] { "list", "watch" }.Select(v =>
            new SiloPermission(group, r, v, $"to sync {r} into the catalog")));
}
