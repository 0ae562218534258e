using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Mesh.Names;
using Mesh.Silo.Identity;

namespace Mesh.Silo.Kubernetes.Sync;

/// <summary>Keeps the ConfigMap <see cref="KubernetesObjects.TrustBundleConfigMap"/> (key ca-bundle.crt: the trust
/// anchors' PEM) in every namespace, during the leader's term only: an injected pod mounts it from its own namespace (a
/// pod cannot mount another namespace's ConfigMap), so without it an injected pod never starts. The Namespace loop
/// calls <see cref="Changed"/>; a pass (after a short quiet window, and at least every resync) creates the ConfigMap
/// where it is missing and rewrites it where its bundle differs (a rotated anchor, a hand edit). kube-system,
/// kube-public and kube-node-lease never hold meshed pods and are skipped.</summary>
internal sealed partial class TrustBundlePublisher(IKubernetes client, SiloCertificateAuthority ca, TimeProvider time, ILogger logger, TimeSpan quiet, TimeSpan resync, int pageSize)
{
    /// <summary>The key the injected proxy's volume reads (<see cref="KubernetesObjects.ProxyTrustAnchorsPath"/>).</summary>
    public const string Key = "ca-bundle.crt";

    private readonly PassScheduler _passes = new(quiet, resync, time);

    /// <summary>A namespace came or went: a pass follows after the quiet window.</summary>
    public void Changed() => _passes.Changed();

    public Task RunAsync(CancellationToken ct) => _passes.RunAsync(PassAsync, e => Log.PassFailed(logger, e), ct);

    /// <summary>One pass over every namespace.</summary>
    internal async Task PassAsync(CancellationToken ct)
    {
        var pem = ca.Authority.TrustBundle.ToPem();
        var written = 0;
        foreach (var ns in (await SyncKinds.Namespaces.Api.ListAllAsync(client, pageSize, ct)).Items
                     .Select(n => n["metadata"]?["name"]?.GetValue<string>()).OfType<string>())
            if (!Skipped(ns) && await EnsureAsync(ns, pem, ct)) written++;
        if (written > 0) Log.Wrote(logger, written);
    }

    internal static bool Skipped(string ns) => ns is "kube-system" or "kube-public" or "kube-node-lease";

    private async Task<bool> EnsureAsync(string ns, string pem, CancellationToken ct)
    {
        V1ConfigMap? current;
        try { current = await client.CoreV1.ReadNamespacedConfigMapAsync(KubernetesObjects.TrustBundleConfigMap, ns, cancellationToken: ct); }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound) { current = null; }

        if (current?.Data is { } data && data.TryGetValue(Key, out var have) && have == pem) return false;
        try
        {
            if (current is null)
                await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
                {
                    ApiVersion = "v1", Kind = "ConfigMap",
                    Metadata = new V1ObjectMeta
                    {
                        Name = KubernetesObjects.TrustBundleConfigMap, NamespaceProperty = ns,
                        Labels = new Dictionary<string, string> { ["app.kubernetes.io/part-of"] = "mesh", ["app.kubernetes.io/managed-by"] = "mesh-silo" },
                    },
                    Data = new Dictionary<string, string> { [Key] = pem },
                }, ns, cancellationToken: ct);
            else
            {
                current.Data = new Dictionary<string, string>(current.Data ?? new Dictionary<string, string>()) { [Key] = pem };
                await client.CoreV1.ReplaceNamespacedConfigMapAsync(current, KubernetesObjects.TrustBundleConfigMap, ns, cancellationToken: ct);
            }
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            // Created, changed or its namespace deleted meanwhile: the next pass looks again.
            Changed();
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 7345, Level = LogLevel.Information, Message = "Kubernetes sync: wrote the trust bundle ConfigMap into {Count} namespaces")]
        public static partial void Wrote(ILogger logger, int count);

        [LoggerMessage(EventId = 7346, Level = LogLevel.Warning, Message = "Kubernetes sync: publishing the trust bundle failed; retrying with backoff")]
        public static partial void PassFailed(ILogger logger, Exception e);
    }
}
