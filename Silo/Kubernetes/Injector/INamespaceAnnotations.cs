using k8s;
using k8s.Autorest;

namespace Mesh.Silo.Kubernetes.Injector;

/// <summary>Reads a namespace's annotations (the injector's `mesh.io/inject` and `config.mesh.io/*` defaults).</summary>
internal interface INamespaceAnnotations
{
    /// <summary>The annotations; throws <see cref="NamespaceLookupException"/> saying why they cannot be read.</summary>
    Task<IReadOnlyDictionary<string, string>> GetAsync(string ns, CancellationToken ct);
}

/// <summary>Through the Kubernetes API (`get namespaces`), one call per admission, bounded by MESH_KUBERNETES_TIMEOUT_MS.</summary>
internal sealed class KubernetesNamespaceAnnotations(IKubernetes kube, Hosting.SiloSettings settings) : INamespaceAnnotations
{
    public async Task<IReadOnlyDictionary<string, string>> GetAsync(string ns, CancellationToken ct)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(settings.KubernetesTimeout);
        try
        {
            var found = await kube.CoreV1.ReadNamespaceAsync(ns, cancellationToken: bounded.Token);
            return found.Metadata?.Annotations is { } a ? new Dictionary<string, string>(a, StringComparer.Ordinal) : new Dictionary<string, string>();
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new NamespaceLookupException($"the Kubernetes API did not answer within {settings.KubernetesTimeout.TotalMilliseconds:0} ms");
        }
        catch (HttpOperationException e)
        {
            throw new NamespaceLookupException($"the Kubernetes API answered {(int)e.Response.StatusCode}: {Trim(e.Response.Content)}");
        }
        catch (HttpRequestException e)
        {
            throw new NamespaceLookupException($"the Kubernetes API is unreachable: {e.Message}");
        }
    }

    private static string Trim(string? body) => body is null ? "" : body.Length > 200 ? body[..200] + "…" : body;
}

internal sealed class NamespaceLookupException(string message) : Exception(message);
