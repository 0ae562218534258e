using k8s;
using k8s.Autorest;
using Mesh.Silo.Identity;

namespace Mesh.Silo.Hosting;

/// <summary>Kubernetes hosting, before Orleans starts: reads this silo's own pod (POD_NAMESPACE/POD_NAME), which Orleans'
/// Kubernetes agent labels at start. Without it the agent retries for ~10 s and then fails the start with a bare HTTP
/// 404; here the start fails at once, naming the pod and the variables to fix. Registered after
/// <see cref="KubernetesAccessCheck"/> (see <see cref="KubernetesHostingModule"/>), so a missing `get pods` is reported
/// as the RBAC rule to add, not as a 403 here.</summary>
internal sealed class KubernetesPodCheck(IKubernetes kube, SiloSettings settings) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var (ns, name) = (settings.KubernetesPodNamespace!, settings.KubernetesPodName!);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(settings.KubernetesTimeout);
        try
        {
            await kube.CoreV1.ReadNamespacedPodAsync(name, ns, cancellationToken: bounded.Token);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            throw new KubernetesAccessException($"Kubernetes hosting: the API server at {kube.BaseUri} has no pod {ns}/{name} "
                + "(POD_NAMESPACE/POD_NAME); they must name the pod this silo runs in: set them from the downward API "
                + "(fieldPath: metadata.namespace, metadata.name)");
        }
        catch (HttpOperationException e)
        {
            throw new KubernetesAccessException($"Kubernetes hosting: the API server at {kube.BaseUri} refused to read pod {ns}/{name}: "
                + $"HTTP {(int)e.Response.StatusCode} {e.Response.Content}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KubernetesAccessException($"Kubernetes hosting: the API server at {kube.BaseUri} did not answer a read of pod "
                + $"{ns}/{name} within {settings.KubernetesTimeout.TotalMilliseconds:0} ms (MESH_KUBERNETES_TIMEOUT_MS)");
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new KubernetesAccessException($"Kubernetes hosting: cannot reach the API server at {kube.BaseUri} to read pod {ns}/{name}: "
                + e.GetBaseException().Message);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
