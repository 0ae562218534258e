using System.Text.Json.Nodes;
using Mesh.Names;
using Mesh.Silo.Identity;
using Mesh.Silo.Kubernetes.Sync;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Kubernetes.Tests.Sync;

/// <summary>The leader keeps the trust bundle ConfigMap in every namespace (an injected pod mounts it from its own):
/// created where missing, in a namespace created later too, restored after a hand edit, never in kube-system, and
/// a settled ConfigMap is not rewritten (a real Kubernetes-mode silo against the fake API server).</summary>
[Trait("Category", "E2E")]
public sealed class TrustBundlePublisherTests
{
    private static string? Bundle(SyncCluster c, string ns) =>
        c.Api.Resources.Get(c.Api.Kind("v1", "configmaps"), ns, KubernetesObjects.TrustBundleConfigMap) is { Ok: true } found
            ? (string?)found.Value!["data"]?[TrustBundlePublisher.Key] : null;

    [Fact]
    public async Task TrustBundle_EveryNamespace_KeptEqualToTheAnchors()
    {
        await using var c = await SyncCluster.StartAsync();
        var silo = await c.StartSiloAsync("silo-a");
        var pem = silo.Services.GetRequiredService<SiloCertificateAuthority>().Authority.TrustBundle.ToPem();
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", pem);

        foreach (var ns in new[] { "shop", "default", SyncCluster.LeaseNamespace })
            await SyncCluster.EventuallyAsync(() => Task.FromResult(Bundle(c, ns)), b => b == pem, $"the trust bundle in {ns}");
        Assert.Null(Bundle(c, "kube-system"));

        // A namespace created later gets it too.
        await c.CreateAsync("v1", "namespaces", null, """{"metadata":{"name":"web"}}""");
        await SyncCluster.EventuallyAsync(() => Task.FromResult(Bundle(c, "web")), b => b == pem, "the trust bundle in a new namespace");

        // A hand edit is put right (the resync, or any namespace event, finds it).
        var kind = c.Api.Kind("v1", "configmaps");
        Assert.True((await c.Api.Resources.PatchAsync(kind, "shop", KubernetesObjects.TrustBundleConfigMap, "application/merge-patch+json",
            JsonNode.Parse("""{"data":{"ca-bundle.crt":"tampered"}}"""), status: false)).Ok);
        await c.CreateAsync("v1", "namespaces", null, """{"metadata":{"name":"nudge"}}""");
        await SyncCluster.EventuallyAsync(() => Task.FromResult(Bundle(c, "shop")), b => b == pem, "the tampered bundle restored");

        // Settled: another pass writes nothing.
        var version = (string)c.Api.Resources.Get(kind, "web", KubernetesObjects.TrustBundleConfigMap).Value!["metadata"]!["resourceVersion"]!;
        await c.CreateAsync("v1", "namespaces", null, """{"metadata":{"name":"another"}}""");
        await SyncCluster.EventuallyAsync(() => Task.FromResult(Bundle(c, "another")), b => b == pem, "the trust bundle in another namespace");
        Assert.Equal(version, (string)c.Api.Resources.Get(kind, "web", KubernetesObjects.TrustBundleConfigMap).Value!["metadata"]!["resourceVersion"]!);
    }
}
