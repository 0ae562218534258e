using System.Collections;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;
using Mesh.Admin.Contract;
using Mesh.Silo.Hosting;
using Mesh.Testing.KubeApi;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Kubernetes.Tests.Sync;

/// <summary>A fake API server with the Gateway API and mesh CRDs installed, and Kubernetes-mode silos (each its own
/// Orleans cluster and catalog) whose sync campaigns for the Lease in mesh-system under their own POD_NAME.</summary>
internal sealed class SyncCluster : IAsyncDisposable
{
    public const string LeaseNamespace = "mesh-system";
    private readonly string _dir = Directory.CreateTempSubdirectory("mesh-k8s-sync-").FullName;
    private readonly List<SiloHost> _silos = [];

    public FakeKubeApi Api { get; private init; } = null!;

    /// <param name="authorizer">Enforced on every request over HTTP (the silos'); default: everything allowed.</param>
    public static async Task<SyncCluster> StartAsync(Mesh.Testing.KubeApi.Seams.IKubeAuthorizer? authorizer = null)
    {
        var options = authorizer is null
            ? new FakeKubeApiOptions { BookmarkInterval = TimeSpan.FromMilliseconds(300) }
            : new FakeKubeApiOptions { BookmarkInterval = TimeSpan.FromMilliseconds(300), Authorizer = authorizer };
        var cluster = new SyncCluster { Api = await FakeKubeApi.StartAsync(options) };
        await cluster.CreateAsync("v1", "namespaces", null, """{"metadata":{"name":"mesh-system"}}""");
        await cluster.CreateAsync("v1", "namespaces", null, """{"metadata":{"name":"shop"}}""");
        foreach (var kind in ResourceKinds.CustomResources)
        {
            var (group, version) = (kind.ApiVersion.Split('/')[0], kind.ApiVersion.Split('/')[1]);
            await cluster.CreateAsync("apiextensions.k8s.io/v1", "customresourcedefinitions", null, $$$"""
                {"metadata":{"name":"{{{kind.Plural}}}.{{{group}}}"},
                 "spec":{"group":"{{{group}}}","scope":"Namespaced","names":{"plural":"{{{kind.Plural}}}","kind":"{{{kind.Kind}}}"},
                         "versions":[{"name":"{{{version}}}","served":true,"storage":true,"subresources":{"status":{} }}]}}
                """);
        }
        return cluster;
    }

    /// <param name="prepare">Runs on the silo's data dir before it starts (a CA of its own under ca/, say).</param>
    public async Task<SiloHost> StartSiloAsync(string podName, int leaseMs = 3000, string[]? args = null, Action<string>? prepare = null)
    {
        var dir = Path.Combine(_dir, podName);
        Directory.CreateDirectory(dir);
        prepare?.Invoke(dir);
        var kubeconfig = Api.WriteKubeconfig(Path.Combine(dir, "kubeconfig"), token: Api.Tokens.MintServiceAccount(LeaseNamespace, "mesh-silo"));
        var settings = SiloSettingsLoader.Load(["--admin", "127.0.0.1:0", "--control", "127.0.0.1:0", "--data-dir", dir, "--ephemeral", .. args ?? []],
            new Hashtable
            {
                ["MESH_LOG_LEVEL"] = "Error", ["MESH_KUBERNETES"] = "true", ["MESH_KUBECONFIG"] = kubeconfig,
                ["MESH_KUBERNETES_LEASE_MS"] = leaseMs.ToString(), ["MESH_KUBERNETES_PAGE_SIZE"] = "2",
                ["POD_NAME"] = podName, ["POD_NAMESPACE"] = LeaseNamespace,
            });
        var silo = await SiloHost.StartAsync(settings);
        _silos.Add(silo);
        return silo;
    }

    public async Task StopSiloAsync(SiloHost silo)
    {
        _silos.Remove(silo);
        await silo.DisposeAsync();
    }

    public async Task<JsonObject> CreateAsync(string apiVersion, string plural, string? ns, string json)
    {
        var created = await Api.Resources.CreateAsync(Api.Kind(apiVersion, plural), ns, JsonNode.Parse(json));
        Assert.True(created.Ok, $"{plural} {json}: {created.Error?.Message}");
        return created.Value!;
    }

    /// <summary>Sets a pod's status (Running, its IP, Ready as given) through the status subresource, as a kubelet does.</summary>
    public async Task SetPodStatusAsync(string ns, string name, string ip, bool ready)
    {
        var patched = await Api.Resources.PatchAsync(Api.Kind("v1", "pods"), ns, name, "application/merge-patch+json", JsonNode.Parse($$$"""
            {"status":{"phase":"Running","podIP":"{{{ip}}}","podIPs":[{"ip":"{{{ip}}}"}],
              "conditions":[{"type":"Ready","status":"{{{(ready ? "True" : "False")}}}"}]}}
            """), status: true);
        Assert.True(patched.Ok, patched.Error?.Message);
    }

    public async Task DeleteAsync(string apiVersion, string plural, string? ns, string name) =>
        Assert.True((await Api.Resources.DeleteAsync(Api.Kind(apiVersion, plural), ns, name, null)).Ok);

    public static IGrainFactory Grains(SiloHost silo) => silo.Services.GetRequiredService<IGrainFactory>();

    public static async Task<KubernetesSyncStatus> StatusAsync(SiloHost silo)
    {
        using var http = new HttpClient { BaseAddress = silo.AdminUri };
        return (await http.GetFromJsonAsync("/api/v1/kubernetes/sync", AdminJsonContext.Default.KubernetesSyncStatus))!;
    }

    public static Task<StoredResource?> GetAsync(SiloHost silo, string ns, string kind, string name) =>
        Grains(silo).GetGrain<ICatalogGrain>(ns).GetAsync(kind, name);

    /// <summary>Polls until <paramref name="condition"/> holds; the message says what was awaited.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what, double seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        T value;
        while (!condition(value = await read()))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what}: not within {seconds} s (last: {value})");
            await Task.Delay(20);
        }
        return value;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos) await silo.DisposeAsync();
        await Api.DisposeAsync();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
