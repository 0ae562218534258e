using System.Text.Json.Nodes;
using Mesh.Testing.KubeApi.Seams;

namespace Mesh.Kubernetes.Tests.Deploy;

/// <summary>One permission a shipped rule grants: a verb on a resource, cluster-wide (<see cref="Namespace"/> "") or
/// in one namespace.</summary>
public sealed record Grant(string Namespace, string Group, string Resource, string Verb)
{
    public string Qualified => Group.Length == 0 ? Resource : $"{Resource}.{Group}";
    public RbacRule Rule => new(Namespace, [Group], [Resource], [Verb]);
    public override string ToString() => $"{Verb} {Qualified}{(Namespace.Length > 0 ? $" in {Namespace}" : "")}";
}

/// <summary>What a rendered install grants a ServiceAccount, as the RBAC authorizer reads it: the rules of every
/// ClusterRole a ClusterRoleBinding binds to it (everywhere), and of every Role or ClusterRole a RoleBinding binds to it
/// (in that binding's namespace). Loaded into the fake's <see cref="RulesAuthorizer"/> with <see cref="Restrict"/>.</summary>
internal sealed class ShippedRbac
{
    private ShippedRbac(IReadOnlyList<RbacRule> rules) => Rules = rules;

    public IReadOnlyList<RbacRule> Rules { get; }

    /// <summary>Every rule expanded into one grant per (group, resource, verb), in manifest order.</summary>
    public IReadOnlyList<Grant> Grants => [.. Rules.SelectMany(r =>
        from g in r.ApiGroups from res in r.Resources from v in r.Verbs select new Grant(r.Namespace, g, res, v)).Distinct()];

    public static ShippedRbac For(IReadOnlyList<JsonObject> documents, string ns, string serviceAccount)
    {
        JsonObject? Find(string kind, string name, string? inNamespace) => documents.FirstOrDefault(d =>
            (string?)d["kind"] == kind && (string?)d["metadata"]!["name"] == name && (string?)d["metadata"]!["namespace"] == inNamespace);
        bool Binds(JsonObject binding) => binding["subjects"]?.AsArray().Any(s =>
            (string?)s!["kind"] == "ServiceAccount" && (string?)s["name"] == serviceAccount && (string?)s["namespace"] == ns) == true;

        var rules = new List<RbacRule>();
        foreach (var binding in documents.Where(d => (string?)d["kind"] is "ClusterRoleBinding" or "RoleBinding" && Binds(d)))
        {
            var bindingNs = (string?)binding["metadata"]!["namespace"];
            var roleKind = (string)binding["roleRef"]!["kind"]!;
            var roleName = (string)binding["roleRef"]!["name"]!;
            var role = roleKind == "ClusterRole" ? Find("ClusterRole", roleName, null) : Find("Role", roleName, bindingNs);
            Assert.True(role is not null, $"{binding["kind"]} {binding["metadata"]!["name"]} binds {roleKind} {roleName}, which the install does not have");
            foreach (var rule in role!["rules"]!.AsArray())
                rules.Add(new RbacRule(bindingNs ?? "", Strings(rule!["apiGroups"]), Strings(rule["resources"]), Strings(rule["verbs"]),
                    rule["resourceNames"] is null ? null : Strings(rule["resourceNames"])));
        }
        return new ShippedRbac(rules);
    }

    /// <summary>The shipped rules with one grant taken out (every other grant of the same rule stays).</summary>
    public IReadOnlyList<RbacRule> Without(Grant removed) => [.. Grants.Where(g => g != removed).Select(g => g.Rule)];

    public void Restrict(RulesAuthorizer authorizer, string user) => authorizer.Restrict(user, Rules);

    private static List<string> Strings(JsonNode? node) => [.. node!.AsArray().Select(v => (string)v!)];
}
