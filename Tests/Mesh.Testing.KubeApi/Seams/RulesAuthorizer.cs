namespace Mesh.Testing.KubeApi.Seams;

/// <summary>An authorizer a test configures. Everything is allowed except (a) what it denies, by user, verb, API group
/// and resource (as a missing RBAC rule would), and (b) for a user it <see cref="Restrict"/>s, every resource request
/// that none of the user's <see cref="RbacRule"/>s grants — RBAC's default deny, e.g. from the Roles and bindings a
/// manifest ships. Non-resource requests (/version, discovery) stay allowed: every authenticated user has them through
/// the API server's system:discovery and system:public-info-viewer roles.</summary>
public sealed class RulesAuthorizer : IKubeAuthorizer
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string User, string Verb, string Group, string Resource), bool> _denied = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, IReadOnlyList<RbacRule>> _restricted = new();

    public string Name => "Rules";

    public void Deny(string user, string verb, string group, string resource) => _denied[(user, verb, group, resource)] = true;

    public void Allow(string user, string verb, string group, string resource) => _denied.TryRemove((user, verb, group, resource), out _);

    /// <summary>From now on <paramref name="user"/> may do only what <paramref name="rules"/> grant (replacing earlier ones).</summary>
    public void Restrict(string user, IEnumerable<RbacRule> rules) => _restricted[user] = [.. rules];

    public AuthorizationDecision Authorize(RequestAttributes r)
    {
        if (r.IsResourceRequest && _denied.ContainsKey((r.User.Name, r.Verb, r.Group, r.Resource))) return new AuthorizationDecision(false, "");
        if (r.IsResourceRequest && _restricted.TryGetValue(r.User.Name, out var rules) && !rules.Any(rule => rule.Grants(r)))
            return new AuthorizationDecision(false, ""); // RBAC gives no reason for a denial
        return AuthorizationDecision.Allow;
    }
}
