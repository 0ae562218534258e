using Mesh.Abstractions.Grains;
using Mesh.Grains.Catalog;

namespace Mesh.Silo.Hosting;

/// <summary>Activates every namespace's catalog once the silo is active, so leases of Workloads stored before a restart
/// start counting (CatalogGrain.OnActivateAsync) even if nobody reads that namespace: a `mesh run` that died while the
/// silo was down is withdrawn one lease later, not never.</summary>
internal sealed partial class CatalogWakeup(IGrainFactory grains, ILogger<CatalogWakeup> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(CatalogWakeup), ServiceLifecycleStage.Active, started =>
        {
            _ = Task.Run(WakeAsync); // never hold up the start: a slow storage must not delay "ready"
            return Task.CompletedTask;
        });

    private async Task WakeAsync()
    {
        try
        {
            var namespaces = await grains.GetGrain<INamespaceDirectoryGrain>(NamespaceDirectoryGrain.Key).ListAsync();
            await Task.WhenAll(namespaces.Select(ns => grains.GetGrain<ICatalogGrain>(ns).ListAsync(Abstractions.Resources.ResourceKinds.Workload.Kind)));
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or InvalidOperationException)
        {
            LogWakeFailed(e);
        }
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "could not activate the namespace catalogs after start; leases of their Workloads start on first use")]
    private partial void LogWakeFailed(Exception e);
}
