using k8s;
using Mesh.Admin.Contract;
using Mesh.Silo.Hosting;
using Mesh.Silo.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Silo.Kubernetes.Sync;

/// <summary>Kubernetes mode: feeds the catalog from the cluster (<see cref="KubernetesSync"/>) and answers
/// `GET /api/v1/kubernetes/sync` with its status (local mode: <c>enabled: false</c>).</summary>
internal sealed class KubernetesSyncModule : ISiloModule
{
    public string Name => "kubernetes-sync";

    public void ConfigureServices(IServiceCollection services, SiloSettings settings)
    {
        if (!settings.Kubernetes) return;
        var options = KubernetesSyncOptions.From(settings);
        services.TryAddSingleton<IKubernetes>(_ => KubernetesApi.Create(settings));
        services.AddSingleton(options);
        services.AddSingleton(sp => new SyncStatusBoard(options.Identity, options.LeaseNamespace, options.LeaseName, sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService<KubernetesSync>();
    }

    public void MapEndpoints(WebApplication app, SiloSettings settings) =>
        app.MapGet("/api/v1/kubernetes/sync", Ok<KubernetesSyncStatus> (IServiceProvider services) =>
            TypedResults.Ok(services.GetService<SyncStatusBoard>()?.Snapshot()
                ?? new KubernetesSyncStatus(false, null, false, null, null, null, 0, [], [], null)))
            .WithName("KubernetesSync").RequireListener(SiloListeners.Admin);
}
