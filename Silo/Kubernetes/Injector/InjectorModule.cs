using k8s;
using Mesh.Silo.Hosting;
using Mesh.Silo.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Silo.Kubernetes.Injector;

/// <summary>Kubernetes mode with MESH_INJECTOR_CERT/KEY: serves the proxy injector webhook
/// (<see cref="InjectorServer"/>, POST /inject over TLS on MESH_INJECTOR_ADDR, default :8443).</summary>
internal sealed class InjectorModule : ISiloModule
{
    public string Name => "injector";

    public void ConfigureServices(IServiceCollection services, SiloSettings settings)
    {
        if (!settings.Kubernetes || settings.Injector is not { } injector) return;
        services.TryAddSingleton<IKubernetes>(_ => KubernetesApi.Create(settings));
        services.AddSingleton(injector);
        services.AddSingleton<InjectorMetrics>();
        services.AddSingleton<INamespaceAnnotations, KubernetesNamespaceAnnotations>();
        services.AddSingleton<AdmissionReviewer>();
        services.AddSingleton<InjectorServer>();
        services.AddHostedService(sp => sp.GetRequiredService<InjectorServer>());
    }
}
