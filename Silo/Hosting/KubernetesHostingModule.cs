namespace Mesh.Silo.Hosting;

/// <summary>Kubernetes hosting (Kubernetes mode with Redis): the start check that this silo's pod exists. Orleans'
/// side (UseKubernetesHosting) is in <see cref="OrleansSetup"/>; this module is listed after the identity module so its
/// check runs after the RBAC check (hosted services start in registration order).</summary>
internal sealed class KubernetesHostingModule : ISiloModule
{
    public string Name => "kubernetes-hosting";

    public void ConfigureServices(IServiceCollection services, SiloSettings settings)
    {
        if (settings.KubernetesHosting) services.AddHostedService<KubernetesPodCheck>();
    }
}
