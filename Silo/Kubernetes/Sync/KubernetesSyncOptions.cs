using Mesh.Names;
using Mesh.Silo.Hosting;

namespace Mesh.Silo.Kubernetes.Sync;

/// <summary>The sync's knobs, from <see cref="SiloSettings"/>: who campaigns (POD_NAME, else the host name), where the
/// Lease lives (POD_NAMESPACE, else <see cref="KubernetesObjects.Namespace"/>), the lease timings
/// (MESH_KUBERNETES_LEASE_MS; renew deadline ⅔ and retry period ¼ of it, client-go's 15 s / 10 s / 2 s shape).</summary>
internal sealed record KubernetesSyncOptions(string Identity, string LeaseNamespace, TimeSpan LeaseDuration)
{
    public string LeaseName => KubernetesObjects.SyncLease;
    public TimeSpan RenewDeadline => LeaseDuration * 2 / 3;
    public TimeSpan RetryPeriod => LeaseDuration / 4;
    /// <summary>How long the sink waits after the first change so a burst becomes one write per namespace.</summary>
    public TimeSpan Coalesce { get; init; } = TimeSpan.FromMilliseconds(20);
    public int PageSize { get; init; } = 500;
    /// <summary>Route status: the quiet window after a Service/route change before a pass (a relist is one pass), and
    /// the longest gap between passes.</summary>
    public TimeSpan RouteStatusQuiet { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan RouteStatusResync { get; init; } = TimeSpan.FromMinutes(1);
    /// <summary>How often the mirror publisher and the Link status writer compare the catalog and the link grains with
    /// what they last saw (the link grains write the catalog, not the API server, so there is no watch to follow).</summary>
    public TimeSpan MirrorPoll { get; init; } = TimeSpan.FromMilliseconds(500);

    public static KubernetesSyncOptions From(SiloSettings settings) =>
        new(settings.KubernetesPodName ?? Environment.MachineName, settings.KubernetesPodNamespace ?? KubernetesObjects.Namespace,
            settings.KubernetesLease) { PageSize = settings.KubernetesPageSize };
}
