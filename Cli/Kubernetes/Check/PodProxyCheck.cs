using System.Globalization;
using k8s.Models;
using Mesh.Admin.Contract;
using Mesh.Cli.Commands;
using Mesh.Names;

namespace Mesh.Cli.Kubernetes.Check;

/// <summary>Every running meshed pod (one with the injected `mesh-proxy` container) has a proxy the silo holds a
/// certificate for, for the pod's own identity: the silo's proxy rows (GET /api/v1/proxies) are joined with the pods by
/// namespace and workload, which the injector sets to the pod's name. The silo-side checks judge the proxies that
/// report; this is where a pod whose proxy never reported, or reported without a certificate, shows (a token the
/// silo's TokenReview refused, a control address it cannot reach). A pod that is not Running yet, or is terminating,
/// is not judged: its proxy may not have started.</summary>
internal static class PodProxyCheck
{
    public const string Category = "kubernetes-proxies";

    public static List<CheckResult> Evaluate(IReadOnlyList<V1Pod> pods, IReadOnlyList<ProxyStatusRow> proxies, string trustDomain)
    {
        var byPod = proxies.GroupBy(p => (p.Namespace, p.Workload))
            .ToDictionary(g => g.Key, g => g.MinBy(p => p.LastReportAgeMs)!); // a restarted proxy's newest report
        var results = new List<CheckResult>();
        var certified = 0;
        foreach (var pod in pods.Where(Judged).OrderBy(p => p.Metadata.NamespaceProperty, StringComparer.Ordinal).ThenBy(p => p.Metadata.Name, StringComparer.Ordinal))
        {
            var (ns, name) = (pod.Metadata.NamespaceProperty ?? "", pod.Metadata.Name);
            var identity = SpiffeId.Format(trustDomain, ns, pod.Spec?.ServiceAccountName is { Length: > 0 } sa ? sa : "default");
            var problem = Problem(byPod.GetValueOrDefault((ns, name)), identity);
            if (problem is null)
            {
                certified++;
                continue;
            }
            results.Add(new(Category, $"proxy of pod {ns}/{name} is certified", CheckStatus.Fail, problem,
                $"see why: kubectl -n {ns} logs {name} -c {KubernetesObjects.ProxyContainer} (its readiness probe, :{KubernetesObjects.ProxyAdminPort}/ready, names the identity error)"));
        }
        if (results.Count == 0)
            results.Add(new(Category, "meshed pods' proxies are certified", CheckStatus.Ok,
                certified == 0 ? "no running meshed pod" : $"{certified} pod{(certified == 1 ? "" : "s")}, each for its service account"));
        return results;
    }

    /// <summary>Running, not terminating, and injected: the pods whose proxy must be up.</summary>
    private static bool Judged(V1Pod pod) =>
        pod.Status?.Phase == "Running" && pod.Metadata.DeletionTimestamp is null && InjectionCheck.HasProxy(pod);

    /// <summary>What keeps the pod's proxy from being certified for <paramref name="identity"/>; null when nothing.</summary>
    private static string? Problem(ProxyStatusRow? proxy, string identity)
    {
        if (proxy is null) return "no proxy of this pod has reported to the silo";
        if (proxy.LastReportAgeMs > CheckCommand.ReportDeadline.TotalMilliseconds)
            return $"its proxy's last report was {(proxy.LastReportAgeMs / 1000.0).ToString("0", CultureInfo.InvariantCulture)} s ago (limit {CheckCommand.ReportDeadline.TotalSeconds:0} s)";
        if (proxy.CertRemainingSeconds is not { } left) return "its proxy has no workload certificate";
        if (left <= 0) return "its proxy's workload certificate has expired";
        if (proxy.Identity != identity) return $"its proxy is certified as {proxy.Identity}, the pod runs as {identity}";
        return null;
    }
}
