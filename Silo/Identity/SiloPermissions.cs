namespace Mesh.Silo.Identity;

/// <summary>One thing the silo's ServiceAccount must be allowed to do with the Kubernetes API, and why.
/// <paramref name="InSiloNamespace"/>: only in the silo's own namespace (a Role there grants it); otherwise in every
/// namespace (a ClusterRole).</summary>
public sealed record SiloPermission(string Group, string Resource, string Verb, string Why, bool InSiloNamespace)
{
    /// <summary>"tokenreviews.authentication.k8s.io", "pods": as RBAC messages and kubectl spell a resource.</summary>
    public string Qualified => Group.Length == 0 ? Resource : $"{Resource}.{Group}";
}

/// <summary>What a Kubernetes-mode silo must be allowed: the list its start checks (<see cref="KubernetesAccessCheck"/>,
/// one SelfSubjectAccessReview each), public so `mesh check --kubernetes` asks the API server the same for the silo's
/// ServiceAccount (SubjectAccessReview) — a rule added there is checked by both.</summary>
public static class SiloPermissions
{
    public static IReadOnlyList<SiloPermission> All { get; } =
        [.. KubernetesAccessCheck.Distinct.Select(r => new SiloPermission(r.Group, r.Resource, r.Verb, r.Why, r.InSiloNamespace))];
}
