using k8s;
using Mesh.Silo.Hosting;

namespace Mesh.Silo.Identity;

/// <summary>The silo's client of the Kubernetes API in Kubernetes mode: from MESH_KUBECONFIG, or the pod's in-cluster
/// config (its ServiceAccount token and CA). Failing to build one is a start error that says which config was read.</summary>
internal static class KubernetesApi
{
    public static IKubernetes Create(SiloSettings settings)
    {
        var config = Configuration(settings);
        // Each call is bounded by the caller (MESH_KUBERNETES_TIMEOUT_MS); the client's own timeout is a backstop.
        config.HttpClientTimeout = settings.KubernetesTimeout + TimeSpan.FromSeconds(5);
        return new k8s.Kubernetes(config);
    }

    /// <summary>The client configuration: MESH_KUBECONFIG, else the pod's in-cluster config (KUBERNETES_SERVICE_HOST and
    /// _PORT, the ServiceAccount token and CA under /var/run/secrets/kubernetes.io/serviceaccount).</summary>
    public static KubernetesClientConfiguration Configuration(SiloSettings settings)
    {
        try
        {
            return settings.Kubeconfig is { } path
                ? KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath: path)
                : KubernetesClientConfiguration.InClusterConfig();
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or FormatException or UnauthorizedAccessException)
        {
            throw new KubernetesAccessException(settings.Kubeconfig is { } path
                ? $"Kubernetes mode: cannot read kubeconfig {path}: {e.Message}"
                : $"Kubernetes mode: no in-cluster config ({e.Message}); run the silo in a pod with a ServiceAccount, or set MESH_KUBECONFIG");
        }
    }
}

/// <summary>The silo cannot use the Kubernetes API as Kubernetes mode needs (no config, unreachable, missing RBAC);
/// the message names what is wrong and how to fix it. Fails the silo's start.</summary>
public sealed class KubernetesAccessException(string message) : Exception(message);
