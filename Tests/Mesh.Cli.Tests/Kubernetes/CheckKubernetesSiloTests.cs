using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Mesh.Admin.Contract;
using Mesh.Cli.Tests.Fakes;
using Mesh.Names;
using Mesh.Silo.Hosting;

namespace Mesh.Cli.Tests.Kubernetes;

/// <summary>`mesh check --kubernetes` with a real Kubernetes-mode silo syncing from the fake API server (no fake admin
/// API; it serves the injector webhook too): a healthy install is all √, and an invalid custom resource the silo
/// skipped shows up as a ‼ line.</summary>
[Trait("Category", "E2E")]
public sealed class CheckKubernetesSiloTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mesh-check-k8s-silo-").FullName;
    private readonly TestCli _cli = new();

    public void Dispose()
    {
        _cli.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static async Task<KubernetesSyncStatus> WaitForSyncAsync(SiloHost silo, Func<KubernetesSyncStatus, bool> condition, string what)
    {
        using var http = new HttpClient { BaseAddress = silo.AdminUri };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var status = (await http.GetFromJsonAsync("/api/v1/kubernetes/sync", AdminJsonContext.Default.KubernetesSyncStatus))!;
            if (condition(status)) return status;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what}: not within 60 s");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task CheckKubernetes_RealSiloSyncing_AllPassThenAnInvalidObjectWarns()
    {
        await using var cluster = await CheckCluster.StartAsync(webhook: true); // the silo serves the injector too
        var silo = cluster.Silo!;
        await WaitForSyncAsync(silo, s => s.Leader && s.Kinds.Count > 0 && s.Kinds.All(k => k.Synced), "mesh-silo-0 leading with every kind synced");

        _cli.Environment["MESH_ADMIN_ADDR"] = silo.AdminUri.ToString();
        _cli.Environment["MESH_DATA_DIR"] = silo.Settings.DataDir;
        var kubeconfig = cluster.Kubeconfig(_dir);
        var healthy = await _cli.RunAsync("check", "--kubernetes", "--kubeconfig", kubeconfig);
        var lines = TableText.Lines(healthy.Out);
        Assert.True(healthy.ExitCode == 0, healthy.ToString());
        Assert.Contains("√ a silo leads the sync (mesh-silo-0 holds Lease mesh/mesh-kubernetes-sync (the silo asked))", lines);
        Assert.Contains(lines, l => l.StartsWith("√ Service (v1) is synced (", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("√ Server (policy.mesh.io/v1alpha1) is synced (", StringComparison.Ordinal));
        Assert.Contains("√ silo pods are ready (1 ready)", lines);
        Assert.Contains("√ injector webhook injects a pod (server-side dry run) (mesh-proxy added to a pod in default)", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith('×') || l.StartsWith('‼'));

        await cluster.CreateAsync("policy.mesh.io/v1alpha1", "authorizationpolicies", "shop", JsonNode.Parse("""
            {"metadata":{"name":"broken"},"spec":{"targetRef":{"group":"policy.mesh.io","kind":"Server","name":"s"},"bogus":true}}
            """)!);
        await WaitForSyncAsync(silo, s => s.Skipped.Count > 0, "the invalid AuthorizationPolicy skipped");
        var warned = await _cli.RunAsync("check", "--kubernetes", "--kubeconfig", kubeconfig);
        var warnedLines = TableText.Lines(warned.Out);
        Assert.Equal(0, warned.ExitCode);
        Assert.Contains(warnedLines, l => l.StartsWith("‼ AuthorizationPolicy shop/broken is valid (skipped (resourceVersion ", StringComparison.Ordinal) && l.Contains("spec.bogus", StringComparison.Ordinal));
        Assert.Contains("    fix: fix it: kubectl -n shop edit authorizationpolicy broken (the mesh keeps its last valid version meanwhile)", warnedLines);
    }
}
