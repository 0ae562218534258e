namespace Mesh.Testing.KubeApi.Seams;

/// <summary>One RBAC PolicyRule (apiGroups × resources × verbs, optionally resourceNames) and where it applies:
/// <paramref name="Namespace"/> "" = every namespace and the cluster scope (a ClusterRole bound by a
/// ClusterRoleBinding), else that namespace only (a Role, or a ClusterRole bound by a RoleBinding there). "*" matches
/// anything, as in RBAC; a resource may name a subresource as "pods/status".</summary>
public sealed record RbacRule(string Namespace, IReadOnlyList<string> ApiGroups, IReadOnlyList<string> Resources,
    IReadOnlyList<string> Verbs, IReadOnlyList<string>? ResourceNames = null)
{
    /// <summary>Whether this rule allows the resource request <paramref name="r"/> (RBAC's RuleAllows).</summary>
    public bool Grants(RequestAttributes r)
    {
        if (!r.IsResourceRequest) return false;
        if (Namespace.Length > 0 && Namespace != r.Namespace) return false;
        var resource = r.Subresource.Length > 0 ? $"{r.Resource}/{r.Subresource}" : r.Resource;
        return Matches(ApiGroups, r.Group) && Matches(Verbs, r.Verb) && Matches(Resources, resource)
            && (ResourceNames is null || ResourceNames.Count == 0 || (r.Name.Length > 0 && ResourceNames.Contains(r.Name)));
    }

    private static bool Matches(IReadOnlyList<string> allowed, string value) => allowed.Contains("*") || allowed.Contains(value);
}
