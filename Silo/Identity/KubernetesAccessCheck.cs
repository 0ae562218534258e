using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Mesh.Silo.Hosting;
using Mesh.Silo.Kubernetes.Sync;

namespace Mesh.Silo.Identity;

/// <summary>Kubernetes mode, before anything else starts: asks the API server (SelfSubjectAccessReview) whether the
/// silo may do what it needs, and fails the start with the missing RBAC rules and how to grant them.</summary>
internal sealed class KubernetesAccessCheck(IKubernetes kube, SiloSettings settings) : IHostedLifecycleService
{
    /// <summary>One permission the silo needs, and why. <paramref name="InSiloNamespace"/>: needed only in the silo's
    /// own namespace (POD_NAMESPACE), so a Role grants it; otherwise in every namespace (a ClusterRole).</summary>
    internal sealed record Requirement(string Group, string Resource, string Verb, string Why, bool InSiloNamespace = false, string Subresource = "")
    {
        /// <summary>As an RBAC rule names it: "pods", "httproutes/status".</summary>
        public string RbacResource => Subresource.Length == 0 ? Resource : $"{Resource}/{Subresource}";
        public string Qualified => Group.Length == 0 ? RbacResource : $"{RbacResource}.{Group}";
        /// <summary>As `kubectl create clusterrole --resource` takes it: "httproutes.gateway.networking.k8s.io/status".</summary>
        public string KubectlResource => (Group.Length == 0 ? Resource : $"{Resource}.{Group}") + (Subresource.Length == 0 ? "" : $"/{Subresource}");
    }

    /// <summary>The check itself: refused, nothing else can be asked.</summary>
    private static readonly Requirement SelfReview = new("authorization.k8s.io", "selfsubjectaccessreviews", "create",
        "to check these permissions at start");

    /// <summary>Everything the silo does with the API. deploy/manifests/rbac.yaml grants exactly this (a test holds both
    /// ways); the sync's list/watch rules (and the route status writes) come from <see cref="SyncKinds.All"/>, so a new
    /// synced kind is checked here without an edit.</summary>
    internal static readonly IReadOnlyList<Requirement> Required =
    [
        SelfReview,
        new("authentication.k8s.io", "tokenreviews", "create", "to check proxies' ServiceAccount tokens in Identity.Certify"),
        .. SyncKinds.All.SelectMany(kind => new[] { "list", "watch" }.Select(verb =>
            new Requirement(GroupOf(kind.ApiVersion), kind.Plural, verb, $"the Kubernetes sync lists and watches {kind.Kind}s in every namespace"))),
        // RouteStatusWriter replaces status.parents of the routes it lists (the status subresource).
        .. SyncKinds.All.Where(kind => kind.Kind is "HTTPRoute" or "GRPCRoute").Select(kind =>
            new Requirement(GroupOf(kind.ApiVersion), kind.Plural, "update", $"the Kubernetes sync writes {kind.Kind} status.parents (Accepted, ResolvedRefs)", Subresource: "status")),
        // LinkStatusWriter replaces the Links' status (FederationConnected, one entry per mirror).
        new("multicluster.mesh.io", "links", "update", "the Kubernetes sync writes Link status (FederationConnected, the mirrors' conditions)", Subresource: "status"),
        // MirrorPublisher writes the links' mirrors as selectorless Services with their EndpointSlices (cluster DNS).
        .. new[] { "create", "update", "delete" }.SelectMany(verb => new[]
        {
            new Requirement("", "services", verb, "the Kubernetes sync writes linked clusters' mirror Services (books-west) so cluster DNS resolves them"),
            new Requirement("discovery.k8s.io", "endpointslices", verb, "the Kubernetes sync writes the mirror Services' EndpointSlices"),
        }),
        new("", "configmaps", "get", "the sync keeps the trust bundle ConfigMap mesh-trust-bundle in every namespace (injected pods mount it)"),
        new("", "configmaps", "create", "the sync keeps the trust bundle ConfigMap mesh-trust-bundle in every namespace (injected pods mount it)"),
        new("", "configmaps", "update", "the sync keeps the trust bundle ConfigMap mesh-trust-bundle in every namespace (injected pods mount it)"),
        new("", "namespaces", "get", "the proxy injector reads the namespace of a pod it admits (its mesh.io/inject and config.mesh.io/* annotations)"),
        new("", "events", "create", "to put a Warning Event on an object the sync skips as invalid, in that object's namespace"),
        new("coordination.k8s.io", "leases", "get", "the sync's leader election (Lease mesh-kubernetes-sync)", InSiloNamespace: true),
        new("coordination.k8s.io", "leases", "create", "the sync's leader election (Lease mesh-kubernetes-sync)", InSiloNamespace: true),
        new("coordination.k8s.io", "leases", "update", "the sync's leader election (Lease mesh-kubernetes-sync)", InSiloNamespace: true),
        new("", "pods", "get", "Orleans' Kubernetes hosting reads the silo's own pod", InSiloNamespace: true),
        new("", "pods", "patch", "Orleans' Kubernetes hosting labels the silo's own pod with its cluster", InSiloNamespace: true),
    ];

    /// <summary><see cref="Required"/> without repeats (a rule listed and derived counts once).</summary>
    internal static IEnumerable<Requirement> Distinct => Required.DistinctBy(r => (r.Group, r.Resource, r.Subresource, r.Verb, r.InSiloNamespace));

    /// <summary>The namespace the silo's namespaced rules are checked in (the sync's Lease namespace, POD_NAMESPACE).</summary>
    private string SiloNamespace => KubernetesSyncOptions.From(settings).LeaseNamespace;

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var missing = new List<(Requirement Rule, string Reason)>();
        foreach (var need in Distinct)
        {
            var status = await ReviewAsync(need, cancellationToken);
            if (status.Allowed != true) missing.Add((need, status.Reason ?? status.EvaluationError ?? ""));
        }
        if (missing.Count > 0) throw new KubernetesAccessException(Explain(missing, SiloNamespace));
    }

    private async Task<V1SubjectAccessReviewStatus> ReviewAsync(Requirement need, CancellationToken ct)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(settings.KubernetesTimeout);
        var review = new V1SelfSubjectAccessReview
        {
            ApiVersion = "authorization.k8s.io/v1",
            Kind = "SelfSubjectAccessReview",
            Spec = new V1SelfSubjectAccessReviewSpec
            {
                ResourceAttributes = new V1ResourceAttributes
                {
                    Group = need.Group, Resource = need.Resource, Subresource = need.Subresource.Length > 0 ? need.Subresource : null, Verb = need.Verb,
                    NamespaceProperty = need.InSiloNamespace ? SiloNamespace : null,
                },
            },
        };
        try
        {
            var answer = await kube.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(review, cancellationToken: bounded.Token);
            return answer.Status ?? throw new KubernetesAccessException($"Kubernetes API at {kube.BaseUri}: SelfSubjectAccessReview answered without a status");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new KubernetesAccessException($"Kubernetes API at {kube.BaseUri} did not answer a SelfSubjectAccessReview within "
                + $"{settings.KubernetesTimeout.TotalMilliseconds:0} ms (MESH_KUBERNETES_TIMEOUT_MS); is it reachable from the silo?");
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Forbidden)
        {
            // The review itself is refused: that rule is what is missing (nothing else can be checked without it).
            throw new KubernetesAccessException(Explain([(SelfReview, $"HTTP 403 {e.Response.Content}")], SiloNamespace));
        }
        catch (HttpOperationException e)
        {
            throw new KubernetesAccessException($"Kubernetes API at {kube.BaseUri} refused the SelfSubjectAccessReview for "
                + $"{need.Verb} {need.Qualified}: HTTP {(int)e.Response.StatusCode} {e.Response.Content}");
        }
        catch (Exception e) when (e is HttpRequestException or IOException or System.Text.Json.JsonException)
        {
            throw new KubernetesAccessException($"cannot reach the Kubernetes API at {kube.BaseUri} to check the silo's RBAC: "
                + $"{e.GetBaseException().Message}; check MESH_KUBECONFIG (or the pod's in-cluster config) and the network");
        }
    }

    /// <summary>The error a missing permission fails the start with: each rule, as YAML for a ClusterRole (or a Role in
    /// the silo's namespace), and the kubectl commands that grant them.</summary>
    internal static string Explain(IReadOnlyList<(Requirement Rule, string Reason)> missing, string siloNamespace)
    {
        var lines = new List<string> { "Kubernetes RBAC: the silo's ServiceAccount lacks permissions it needs:" };
        foreach (var (rule, reason) in missing)
            lines.Add($"  cannot {rule.Verb} {rule.Qualified}{(rule.InSiloNamespace ? $" in namespace {siloNamespace}" : "")} ({rule.Why})"
                + (reason.Length > 0 ? $"; API server: {reason}" : ""));
        lines.Add("fix: apply the RBAC `mesh install` ships (mesh install | kubectl apply -f -), or grant the missing rules to the silo's ServiceAccount:");
        var cluster = missing.Where(m => !m.Rule.InSiloNamespace).Select(m => m.Rule).ToList();
        var local = missing.Where(m => m.Rule.InSiloNamespace).Select(m => m.Rule).ToList();
        if (cluster.Count > 0)
        {
            lines.Add("  in a ClusterRole bound by a ClusterRoleBinding:");
            lines.AddRange(cluster.Select(Yaml));
            lines.Add($"  or: kubectl create clusterrole mesh-silo-identity {Flags(cluster)}");
            lines.Add($"      kubectl create clusterrolebinding mesh-silo-identity --clusterrole=mesh-silo-identity --serviceaccount={siloNamespace}:<silo-serviceaccount>");
        }
        if (local.Count > 0)
        {
            lines.Add($"  in a Role of namespace {siloNamespace} bound by a RoleBinding there:");
            lines.AddRange(local.Select(Yaml));
            lines.Add($"  or: kubectl -n {siloNamespace} create role mesh-silo-local {Flags(local)}");
            lines.Add($"      kubectl -n {siloNamespace} create rolebinding mesh-silo-local --role=mesh-silo-local --serviceaccount={siloNamespace}:<silo-serviceaccount>");
        }
        return string.Join('\n', lines);
    }

    private static string Yaml(Requirement rule) =>
        $"  - apiGroups: [\"{rule.Group}\"]\n    resources: [\"{rule.RbacResource}\"]\n    verbs: [\"{rule.Verb}\"]";

    private static string Flags(IReadOnlyList<Requirement> rules) =>
        $"--verb={string.Join(",", rules.Select(r => r.Verb).Distinct())} --resource={string.Join(",", rules.Select(r => r.KubectlResource).Distinct())}";

    private static string GroupOf(string apiVersion) => apiVersion.Contains('/') ? apiVersion[..apiVersion.IndexOf('/')] : "";

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
