using Mesh.Silo.Admin;
using Mesh.Silo.Dashboard;
using Mesh.Silo.Discovery;
using Mesh.Silo.Federation;
using Mesh.Silo.Identity;
using Mesh.Silo.Kubernetes.Injector;
using Mesh.Silo.Kubernetes.Sync;
using Mesh.Silo.Telemetry;

namespace Mesh.Silo.Hosting;

/// <summary>The modules the silo runs, in order. Adding a feature (identity, telemetry, dashboard) is one line here.</summary>
public static class SiloModules
{
    public static IReadOnlyList<ISiloModule> All { get; } =
    [
        new DiscoveryModule(),
        new AdminModule(),
        new IdentityModule(),
        new TelemetryModule(),
        new DashboardModule(),
        new KubernetesSyncModule(),
        new KubernetesHostingModule(),
        new InjectorModule(),
        new FederationModule(),
    ];
}
