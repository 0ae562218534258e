using k8s.Models;
using Mesh.Cli.Commands;
using Mesh.Names;

namespace Mesh.Cli.Kubernetes.Check;

/// <summary>Pods that should carry the proxy but do not: `mesh.io/inject: enabled | ingress` on the pod, or else on
/// its namespace (the pod's wins), and no `mesh-proxy` container. The webhook's failurePolicy is Ignore, so a pod
/// created while it was down or failing is admitted un-injected; this is where that shows. Pods the injector skips by
/// design (kube-system, hostNetwork, finished) are not flagged; an invalid annotation value is.</summary>
internal static class InjectionCheck
{
    public const string Category = "kubernetes-injection";
    private static readonly HashSet<string> Values = ["enabled", "disabled", "ingress"];

    public static List<CheckResult> Evaluate(IReadOnlyList<V1Namespace> namespaces, IReadOnlyList<V1Pod> pods)
    {
        var annotated = namespaces.ToDictionary(n => n.Metadata.Name, n => Annotation(n.Metadata), StringComparer.Ordinal);
        var results = new List<CheckResult>();
        foreach (var (ns, value) in annotated.Where(a => a.Value is not null && !Values.Contains(a.Value)).OrderBy(a => a.Key, StringComparer.Ordinal))
            results.Add(new(Category, $"namespace {ns} has a valid {KubernetesObjects.InjectAnnotation} annotation", CheckStatus.Fail,
                $"'{value}' is none of enabled, disabled, ingress", $"kubectl annotate namespace {ns} {KubernetesObjects.InjectAnnotation}=enabled --overwrite"));

        var missing = new List<string>();
        var meshed = 0;
        foreach (var pod in pods.OrderBy(p => p.Metadata.NamespaceProperty, StringComparer.Ordinal).ThenBy(p => p.Metadata.Name, StringComparer.Ordinal))
        {
            var (ns, name) = (pod.Metadata.NamespaceProperty ?? "", pod.Metadata.Name);
            if (ns == "kube-system" || pod.Spec?.HostNetwork == true || pod.Status?.Phase is "Succeeded" or "Failed") continue;
            var own = Annotation(pod.Metadata);
            if (own is not null && !Values.Contains(own))
            {
                results.Add(new(Category, $"pod {ns}/{name} has a valid {KubernetesObjects.InjectAnnotation} annotation", CheckStatus.Fail,
                    $"'{own}' is none of enabled, disabled, ingress", "set it to enabled, disabled or ingress in the pod template and roll the workload"));
                continue;
            }
            if ((own ?? annotated.GetValueOrDefault(ns)) is not ("enabled" or "ingress")) continue;
            if (HasProxy(pod)) meshed++;
            else missing.Add($"{ns}/{name}");
        }
        const string Name = "pods that should be meshed have the proxy";
        results.Add(missing.Count == 0
            ? new(Category, Name, CheckStatus.Ok, $"{meshed} meshed pod{(meshed == 1 ? "" : "s")}")
            : new(Category, Name, CheckStatus.Fail,
                $"no {KubernetesObjects.ProxyContainer} container in {string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? $" and {missing.Count - 10} more" : "")}",
                "they were admitted while the injector webhook was down or failing (failurePolicy Ignore): fix the webhook (see its checks above), "
                + "then re-create them: kubectl -n <ns> rollout restart deployment/<name> (or delete the pod)"));
        return results;
    }

    private static string? Annotation(V1ObjectMeta? meta) =>
        meta?.Annotations is { } a && a.TryGetValue(KubernetesObjects.InjectAnnotation, out var v) ? v : null;

    public static bool HasProxy(V1Pod pod) =>
        (pod.Spec?.Containers ?? []).Concat(pod.Spec?.InitContainers ?? []).Any(c => c.Name == KubernetesObjects.ProxyContainer);
}
