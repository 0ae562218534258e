using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Mesh.Admin.Contract;
using Mesh.ControlPlane.Tests.Support;
using Mesh.Kubernetes.Tests.Sync;
using Xunit.Abstractions;

namespace Mesh.Kubernetes.Tests.Hosting;

/// <summary>Orleans' Kubernetes hosting with real mesh-silo processes clustering through a real redis-server, their
/// Pods held by the fake API server: each silo labels its pod; deleting one silo's pod makes its peer declare it dead,
/// so it stops, and the other keeps serving.</summary>
[Trait("Category", "E2E")]
public sealed class KubernetesHostingTests(ITestOutputHelper output)
{
    private const string Ns = SyncCluster.LeaseNamespace;

    private static async Task CreatePodAsync(SyncCluster c, string name) =>
        await c.CreateAsync("v1", "pods", Ns, $$$"""
            {"metadata":{"name":"{{{name}}}","labels":{"app":"mesh-silo"}},
             "spec":{"serviceAccountName":"mesh-silo","containers":[{"name":"silo","image":"mesh-silo"}]}}
            """);

    private static Task<SiloProcess> StartSiloAsync(SyncCluster c, RedisServer redis, string pod)
    {
        var dir = Directory.CreateTempSubdirectory("mesh-k8s-hosting-").FullName;
        var kubeconfig = c.Api.WriteKubeconfig(Path.Combine(dir, "kubeconfig"), token: c.Api.Tokens.MintServiceAccount(Ns, "mesh-silo"));
        return SiloProcess.StartAsync(new Dictionary<string, string>
        {
            ["MESH_KUBERNETES"] = "true", ["MESH_KUBECONFIG"] = kubeconfig, ["MESH_REDIS"] = redis.Address, ["MESH_LOG_LEVEL"] = "Warning",
            ["POD_NAME"] = pod, ["POD_NAMESPACE"] = Ns, ["POD_IP"] = "127.0.0.1",
        });
    }

    private static JsonObject? Labels(SyncCluster c, string pod) =>
        c.Api.Resources.Get(c.Api.Kind("v1", "pods"), Ns, pod).Value?["metadata"]?["labels"] as JsonObject;

    private static string Service(string name) => $$"""
        apiVersion: v1
        kind: Service
        metadata: {name: {{name}}}
        spec:
          selector: {app: {{name}}}
          ports: [{port: 8080}]
        """;

    /// <summary>Applies through <paramref name="silo"/>, retrying while the cluster still changes (503 + Retry-After).</summary>
    private static async Task ApplyAsync(SiloProcess silo, string yaml)
    {
        using var admin = silo.AdminClient();
        await SyncCluster.EventuallyAsync(async () =>
        {
            try { return (await admin.PostAsync("/api/v1/apply", new StringContent(yaml))).StatusCode; }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return HttpStatusCode.ServiceUnavailable; }
        }, s => s == HttpStatusCode.OK, $"apply through {silo.Admin}", 30);
    }

    [Fact]
    public async Task PodDeleted_ItsSiloIsDeclaredDeadAndStops_TheOtherKeepsServing()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var cluster = await SyncCluster.StartAsync();
        await CreatePodAsync(cluster, "mesh-silo-0");
        await CreatePodAsync(cluster, "mesh-silo-1");
        await using var survivor = await StartSiloAsync(cluster, redis, "mesh-silo-0");
        await using var doomed = await StartSiloAsync(cluster, redis, "mesh-silo-1");

        // Each silo labels its own pod with the ids its peers select silo pods by.
        foreach (var pod in new[] { "mesh-silo-0", "mesh-silo-1" })
        {
            var labels = await SyncCluster.EventuallyAsync(() => Task.FromResult(Labels(cluster, pod)),
                l => l?["orleans/clusterId"] is not null, $"{pod} labelled", 30);
            Assert.Equal(Ns, (string?)labels!["orleans/clusterId"]);   // the cluster id defaults to POD_NAMESPACE
            Assert.Equal("mesh", (string?)labels["orleans/serviceId"]);
            Assert.Equal("mesh-silo", (string?)labels["app"]);
        }
        using (var admin = survivor.AdminClient())
        {
            var info = await admin.GetFromJsonAsync("/api/v1/info", AdminJsonContext.Default.InfoResponse);
            Assert.Equal(Ns, info!.ClusterId);
            Assert.StartsWith("S127.0.0.1:", info.SiloAddress);   // Orleans' SiloAddress of the advertised POD_IP
        }
        // Grains on both silos: the one whose pod goes holds some of them.
        await ApplyAsync(doomed, Service("books"));
        await ApplyAsync(survivor, Service("authors"));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.True((await cluster.Api.Resources.DeleteAsync(cluster.Api.Kind("v1", "pods"), Ns, "mesh-silo-1", null)).Ok);
        // No kubelet here: nothing but the survivor's Kubernetes agent can stop mesh-silo-1.
        var exit = await doomed.WaitForExitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"mesh-silo-1 exited {exit}, {clock.ElapsedMilliseconds} ms after its pod was deleted");
        Assert.NotEqual(0, exit);
        Assert.Contains("I have been told I am dead", doomed.Output);

        Assert.False(survivor.HasExited);
        await ApplyAsync(survivor, Service("reviews"));
        using var http = survivor.AdminClient();
        foreach (var name in new[] { "books", "authors", "reviews" })
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/api/v1/resources/services/default/{name}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
    }
}
