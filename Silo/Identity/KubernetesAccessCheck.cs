using k8s;
using k8s.Autorest;
using k8s.Models;
using Mesh.Silo.Hosting;

namespace Mesh.Silo.Identity;

/// <summary>Kubernetes mode, before anything else starts: asks the API server (SelfSubjectAccessReview) whether the
/// silo may do what it needs, and fails the start with the missing RBAC rule and how to grant it.</summary>
internal sealed class KubernetesAccessCheck(IKubernetes kube, SiloSettings settings) : IHostedLifecycleService
{
    /// <summary>One permission the silo needs, and why.</summary>
    internal sealed record Requirement(string Group, string Resource, string Verb, string Why)
    {
        public string Qualified => Group.Length == 0 ? Resource : $"{Resource}.{Group}";
    }

    /// <summary>What the silo does with the API today (grows with the syncer: list/watch of the synced kinds).</summary>
    internal static readonly IReadOnlyList<Requirement> Required =
    [
        new("authentication.k8s.io", "tokenreviews", "create", "to check proxies' ServiceAccount tokens in Identity.Certify"),
    ];

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var missing = new List<(Requirement Rule, string Reason)>();
        foreach (var need in Required)
        {
            var status = await ReviewAsync(need, cancellationToken);
            if (status.Allowed != true) missing.Add((need, status.Reason ?? status.EvaluationError ?? ""));
        }
        if (missing.Count > 0) throw new KubernetesAccessException(Explain(missing));
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
                ResourceAttributes = new V1ResourceAttributes { Group = need.Group, Resource = need.Resource, Verb = need.Verb },
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

    /// <summary>The error a missing permission fails the start with: each rule, as YAML for a ClusterRole, and the
    /// kubectl commands that grant it.</summary>
    internal static string Explain(IReadOnlyList<(Requirement Rule, string Reason)> missing)
    {
        var lines = new List<string> { "Kubernetes RBAC: the silo's ServiceAccount lacks permissions it needs:" };
        foreach (var (rule, reason) in missing)
            lines.Add($"  cannot {rule.Verb} {rule.Qualified} ({rule.Why}){(reason.Length > 0 ? $"; API server: {reason}" : "")}");
        lines.Add("fix: add these rules to a ClusterRole bound to the silo's ServiceAccount (deploy/ ships them):");
        foreach (var (rule, _) in missing)
            lines.Add($"  - apiGroups: [\"{rule.Group}\"]\n    resources: [\"{rule.Resource}\"]\n    verbs: [\"{rule.Verb}\"]");
        var verbs = string.Join(",", missing.Select(m => m.Rule.Verb).Distinct());
        var resources = string.Join(",", missing.Select(m => m.Rule.Qualified).Distinct());
        lines.Add($"  or: kubectl create clusterrole mesh-silo-identity --verb={verbs} --resource={resources}");
        lines.Add("      kubectl create clusterrolebinding mesh-silo-identity --clusterrole=mesh-silo-identity --serviceaccount=<silo-namespace>:<silo-serviceaccount>");
        return string.Join('\n', lines);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
