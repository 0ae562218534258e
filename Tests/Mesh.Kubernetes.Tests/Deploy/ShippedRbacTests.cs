using System.Net.Http.Json;
using k8s;
using k8s.Models;
using Mesh.Admin.Contract;
using Mesh.ControlPlane.Tests.Support;
using Mesh.Kubernetes.Tests.KubeApi;
using Mesh.Names;
using Mesh.Silo.Identity;
using Mesh.Testing.KubeApi;
using Mesh.Testing.KubeApi.Seams;

namespace Mesh.Kubernetes.Tests.Deploy;

/// <summary>The RBAC `mesh install` ships is exactly what the silo needs: every rule is one the silo's start-time check
/// (<see cref="KubernetesAccessCheck.Required"/>) asks for — removing any one of them makes a real silo process exit 2
/// naming it and the fix — and with all of them a real silo starts and syncs, the fake enforcing those rules only.</summary>
public sealed class ShippedRbacTests : IDisposable
{
    private const string Ns = KubernetesObjects.Namespace;
    private static readonly string User = $"system:serviceaccount:{Ns}:{KubernetesObjects.Silo}";
    private readonly string _dir = Directory.CreateTempSubdirectory("mesh-k8s-rbac-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    /// <summary>The grants of deploy/manifests/rbac.yaml itself (for the theory's cases; each test reads the rendered install).</summary>
    public static TheoryData<string, string, string, string> ShippedGrants()
    {
        var template = File.ReadAllText(Path.Combine(MeshInstall.RepoRoot(), "deploy", "manifests", "rbac.yaml")).Replace("{{namespace}}", Ns);
        var data = new TheoryData<string, string, string, string>();
        foreach (var g in ShippedRbac.For(YamlJson.Documents(template), Ns, KubernetesObjects.Silo).Grants)
            data.Add(g.Namespace, g.Group, g.Resource, g.Verb);
        return data;
    }

    /// <summary>One `mesh install` for the whole class: every case reads the same rendered RBAC and CRDs.</summary>
    private static readonly Lazy<Task<List<System.Text.Json.Nodes.JsonObject>>> Install = new(() => MeshInstall.DocumentsAsync());

    private static async Task<ShippedRbac> RenderedAsync() => ShippedRbac.For(await Install.Value, Ns, KubernetesObjects.Silo);

    [Fact]
    public async Task Required_EveryEntry_GrantedByTheShippedRbacAtItsScope()
    {
        var rbac = await RenderedAsync();

        foreach (var need in KubernetesAccessCheck.Distinct)
        {
            var request = new RequestAttributes(new KubeUser(User, []), need.Verb, true, need.Group, "v1", need.Resource, "",
                need.InSiloNamespace ? Ns : "", "", "");
            Assert.True(rbac.Rules.Any(r => r.Grants(request)), $"the silo needs to {need.Verb} {need.Qualified} ({need.Why}); deploy/manifests/rbac.yaml does not grant it");
        }
    }

    [Fact]
    public async Task ShippedRbac_EveryGrant_IsOneTheSiloRequires()
    {
        var rbac = await RenderedAsync();

        Assert.NotEmpty(rbac.Grants);
        foreach (var g in rbac.Grants)
            Assert.True(KubernetesAccessCheck.Distinct.Any(r => r.Group == g.Group && r.Resource == g.Resource && r.Verb == g.Verb
                    && r.InSiloNamespace == (g.Namespace.Length > 0)),
                $"deploy/manifests/rbac.yaml grants {g}, which KubernetesAccessCheck.Required does not list: least privilege says drop it, or list why it is needed");
        Assert.All(rbac.Grants.Where(g => g.Namespace.Length > 0), g => Assert.Equal(Ns, g.Namespace));
    }

    [Fact]
    public async Task SelfSubjectAccessReview_RestrictedUser_AnswersFromItsRules()
    {
        var rbac = new RulesAuthorizer();
        (await RenderedAsync()).Restrict(rbac, User);
        await using var api = await FakeKubeApi.StartAsync(new FakeKubeApiOptions { Authorizer = rbac });
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(api.WriteKubeconfig(Path.Combine(_dir, "kubeconfig"),
            token: api.Tokens.MintServiceAccount(Ns, KubernetesObjects.Silo)));
        using var client = new k8s.Kubernetes(config);

        async Task<bool> Allowed(string group, string resource, string verb, string? ns) => (await client.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(
            new V1SelfSubjectAccessReview { Spec = new V1SelfSubjectAccessReviewSpec { ResourceAttributes = new V1ResourceAttributes
                { Group = group, Resource = resource, Verb = verb, NamespaceProperty = ns } } })).Status.Allowed;

        Assert.True(await Allowed("", "pods", "watch", null));
        Assert.True(await Allowed("coordination.k8s.io", "leases", "update", Ns));
        Assert.False(await Allowed("coordination.k8s.io", "leases", "update", "default"));
        Assert.False(await Allowed("coordination.k8s.io", "leases", "update", null));
        Assert.False(await Allowed("", "pods", "delete", Ns));
        Assert.False(await Allowed("", "secrets", "get", Ns));
        var denied = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => client.CoreV1.ListNamespacedSecretAsync(Ns));
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, denied.Response.StatusCode);
    }

    [Theory]
    [Trait("Category", "E2E")]
    [MemberData(nameof(ShippedGrants))]
    public async Task SiloStart_OneShippedRuleRemoved_ExitsTwoNamingItAndTheFix(string ns, string group, string resource, string verb)
    {
        var removed = new Grant(ns, group, resource, verb);
        var rbac = await RenderedAsync();
        Assert.Contains(removed, rbac.Grants);
        var authorizer = new RulesAuthorizer();
        authorizer.Restrict(User, rbac.Without(removed));
        await using var api = await StartApiAsync(authorizer);

        var result = await ChildProcess.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "mesh-silo.dll")], SiloEnvironment(api),
            timeout: TimeSpan.FromSeconds(90));

        Assert.True(result.ExitCode == 2, $"without {removed} the silo should not start: {result}");
        Assert.Contains("mesh-silo: error: Kubernetes RBAC", result.Stderr);
        // What mesh-silo prints as its error (the host's own failure log above it repeats the message).
        var error = result.Stderr[Math.Max(0, result.Stderr.IndexOf("mesh-silo: error:", StringComparison.Ordinal))..];
        var line = Assert.Single(error.Split('\n'), l => l.StartsWith("  cannot ", StringComparison.Ordinal));
        Assert.StartsWith($"  cannot {verb} {removed.Qualified}{(ns.Length > 0 ? $" in namespace {ns}" : "")} (", line);
        Assert.Contains("fix: apply the RBAC `mesh install` ships", error);
        Assert.Contains($"  - apiGroups: [\"{group}\"]\n    resources: [\"{resource}\"]\n    verbs: [\"{verb}\"]", error);
        Assert.Contains(ns.Length > 0 ? $"kubectl -n {ns} create role" : "kubectl create clusterrole", error);
    }

    [Fact]
    [Trait("Category", "E2E")]
    public async Task SiloStart_FullShippedRbac_StartsLeadsAndSyncsEveryKind()
    {
        var authorizer = new RulesAuthorizer();
        (await RenderedAsync()).Restrict(authorizer, User);
        await using var api = await StartApiAsync(authorizer);

        await using var silo = await SiloProcess.StartAsync(SiloEnvironment(api));

        using var http = new HttpClient { BaseAddress = silo.Admin };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        KubernetesSyncStatus status;
        while (!(status = (await http.GetFromJsonAsync("/api/v1/kubernetes/sync", AdminJsonContext.Default.KubernetesSyncStatus))!).Leader
               || status.Kinds.Any(k => !k.Synced))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the sync did not lead and sync every kind within 60 s: {System.Text.Json.JsonSerializer.Serialize(status, AdminJsonContext.Default.KubernetesSyncStatus)}\n{silo.Output}");
            await Task.Delay(100);
        }
        Assert.All(status.Kinds, k => Assert.Null(k.LastError));
        Assert.DoesNotContain("forbidden", silo.Output, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A fake API server enforcing <paramref name="authorizer"/>, with the install's CRDs (so the sync's kinds
    /// are served) and the control plane's namespace.</summary>
    private static async Task<FakeKubeApi> StartApiAsync(RulesAuthorizer authorizer)
    {
        var api = await FakeKubeApi.StartAsync(new FakeKubeApiOptions { Authorizer = authorizer, BookmarkInterval = TimeSpan.FromMilliseconds(300) });
        foreach (var crd in (await Install.Value).Where(d => (string?)d["kind"] == "CustomResourceDefinition"))
            Assert.True((await api.Resources.CreateAsync(api.Kind("apiextensions.k8s.io/v1", "customresourcedefinitions"), null, crd.DeepClone())).Ok);
        Assert.True((await api.Resources.CreateAsync(api.Kind("v1", "namespaces"), null, System.Text.Json.Nodes.JsonNode.Parse($$$"""{"metadata":{"name":"{{{Ns}}}"}}"""))).Ok);
        return api;
    }

    /// <summary>A silo of the StatefulSet, outside a pod: its ServiceAccount's token in a kubeconfig, POD_* as the
    /// downward API sets them; state in memory (Redis is not what this tests).</summary>
    private Dictionary<string, string> SiloEnvironment(FakeKubeApi api)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_dir, Guid.NewGuid().ToString("N"))).FullName;
        return new Dictionary<string, string>
        {
            ["MESH_ADMIN_ADDR"] = "127.0.0.1:0", ["MESH_CONTROL_ADDR"] = "127.0.0.1:0", ["MESH_DATA_DIR"] = dir, ["MESH_EPHEMERAL"] = "true",
            ["MESH_LOG_LEVEL"] = "Error", ["MESH_KUBERNETES"] = "true", ["MESH_KUBERNETES_LEASE_MS"] = "3000",
            ["MESH_KUBECONFIG"] = api.WriteKubeconfig(Path.Combine(dir, "kubeconfig"), token: api.Tokens.MintServiceAccount(Ns, KubernetesObjects.Silo)),
            ["POD_NAME"] = $"{KubernetesObjects.Silo}-0", ["POD_NAMESPACE"] = Ns,
        };
    }
}
