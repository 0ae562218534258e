namespace Mesh.Testing.KubeApi.Seams;

/// <summary>An authorizer a test configures: everything is allowed except what it denies, by user, verb, API group
/// and resource (as a missing RBAC rule would).</summary>
public sealed class RulesAuthorizer : IKubeAuthorizer
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string User, string Verb, string Group, string Resource), bool> _denied = new();

    public string Name => "Rules";

    public void Deny(string user, string verb, string group, string resource) => _denied[(user, verb, group, resource)] = true;

    public void Allow(string user, string verb, string group, string resource) => _denied.TryRemove((user, verb, group, resource), out _);

    public AuthorizationDecision Authorize(RequestAttributes r) =>
        r.IsResourceRequest && _denied.ContainsKey((r.User.Name, r.Verb, r.Group, r.Resource)) ? new AuthorizationDecision(false, "") : AuthorizationDecision.Allow;
}
