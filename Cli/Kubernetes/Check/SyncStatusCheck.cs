using Mesh.Admin.Contract;
using Mesh.Cli.Commands;

namespace Mesh.Cli.Kubernetes.Check;

/// <summary>The silo's Kubernetes sync as `GET /api/v1/kubernetes/sync` reports it: Kubernetes mode on, a leader
/// holding the Lease, every kind synced, the API server reachable, and each object skipped as invalid listed with its
/// field-path errors (a warning: the rest syncs).</summary>
internal static class SyncStatusCheck
{
    public const string Category = "kubernetes-sync";

    public static List<CheckResult> Evaluate(KubernetesSyncStatus status)
    {
        if (!status.Enabled)
            return [new(Category, "the silo syncs from Kubernetes", CheckStatus.Fail, "the silo runs in local mode",
                "run the silo with MESH_KUBERNETES=true (the StatefulSet `mesh install` renders sets it)")];
        var results = new List<CheckResult>();
        var lease = $"Lease {status.LeaseNamespace}/{status.LeaseName}";
        if (string.IsNullOrEmpty(status.Holder))
            results.Add(new(Category, "a silo leads the sync", CheckStatus.Fail, $"nobody holds {lease}",
                "read the silos' logs: each campaigns for the Lease (RBAC get/create/update leases in its namespace)"));
        else
            results.Add(new(Category, "a silo leads the sync", CheckStatus.Ok, $"{status.Holder} holds {lease}{(status.Leader ? " (the silo asked)" : "")}"));

        if (status.LastError is { Length: > 0 } error)
            results.Add(new(Category, "the silo reaches the Kubernetes API", CheckStatus.Fail, error,
                "the silo serves its last state and proxies are unaffected meanwhile; restore its access to the API server (network, its ServiceAccount token)"));

        if (!status.Leader)
        {
            if (!string.IsNullOrEmpty(status.Holder))
                results.Add(new(Category, "every kind is synced", CheckStatus.Warn, $"the silo asked ({status.Identity}) is a standby; the leader {status.Holder} holds the per-kind status",
                    $"ask the leader: kubectl -n {status.LeaseNamespace} port-forward pod/{status.Holder} 8085, then MESH_ADMIN_ADDR=127.0.0.1:8085 mesh check --kubernetes"));
        }
        else
        {
            foreach (var kind in status.Kinds.OrderBy(k => k.Kind, StringComparer.Ordinal))
            {
                var name = $"{kind.Kind} ({kind.ApiVersion}) is synced";
                results.Add(kind.Synced && kind.LastError is null
                    ? new(Category, name, CheckStatus.Ok, $"{kind.Objects} object{(kind.Objects == 1 ? "" : "s")}, resourceVersion {kind.ResourceVersion}")
                    : new(Category, name, CheckStatus.Fail, kind.LastError ?? "its first list has not reached the catalog yet", KindFix(kind)));
            }
        }
        foreach (var skipped in status.Skipped.OrderBy(s => s.Namespace, StringComparer.Ordinal).ThenBy(s => s.Name, StringComparer.Ordinal))
            results.Add(new(Category, $"{skipped.Kind} {skipped.Namespace}/{skipped.Name} is valid", CheckStatus.Warn,
                $"skipped (resourceVersion {skipped.ResourceVersion}): {string.Join("; ", skipped.Errors)}",
                $"fix it: kubectl -n {skipped.Namespace} edit {skipped.Kind.ToLowerInvariant()} {skipped.Name} (the mesh keeps its last valid version meanwhile)"));
        return results;
    }

    private static string KindFix(KubernetesSyncKind kind)
    {
        var error = kind.LastError ?? "";
        if (error.Contains("403", StringComparison.Ordinal) || error.Contains("forbidden", StringComparison.OrdinalIgnoreCase))
            return $"grant the silo list and watch on {kind.Kind}s (see the RBAC check above): mesh install | kubectl apply -f -";
        if (error.Contains("404", StringComparison.Ordinal) || error.Contains("NotFound", StringComparison.Ordinal))
            return $"install the {kind.ApiVersion} CRDs (see the CRD checks above): mesh install | kubectl apply -f -";
        return kind.LastError is null
            ? "wait a few seconds and check again; if it stays, read the leader's log"
            : "the sync retries with backoff and the silo serves its last state; check that the silo reaches the API server";
    }
}
