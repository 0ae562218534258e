using System.Text.Json.Nodes;
using Mesh.ControlPlane.Tests.Support;
using Mesh.Kubernetes.Tests.Sync;
using Mesh.Testing.KubeApi;
using Mesh.Testing.KubeApi.Seams;

namespace Mesh.Kubernetes.Tests.Hosting;

/// <summary>A Kubernetes-hosted mesh-silo process against the fake API server exits before Orleans starts, with the fix,
/// when its pod is not there (2), its ServiceAccount may not do what Orleans' Kubernetes agent does with its pod (2),
/// or a downward API variable is missing (1).</summary>
[Trait("Category", "E2E")]
public sealed class KubernetesHostingStartTests : IDisposable
{
    private const string Ns = SyncCluster.LeaseNamespace;
    private const string User = $"system:serviceaccount:{Ns}:mesh-silo";
    private readonly string _dir = Directory.CreateTempSubdirectory("mesh-k8s-hosting-start-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Runs a mesh-silo process (the package reads POD_* from the process environment, so these cannot be
    /// in-process silos) until it exits; its exit code, stderr and stdout.</summary>
    private async Task<(int Exit, string Stderr, string Stdout)> RunSiloAsync(IReadOnlyDictionary<string, string> env)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "mesh-silo.dll") },
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.Environment["MESH_ADMIN_ADDR"] = "127.0.0.1:0";
        psi.Environment["MESH_CONTROL_ADDR"] = "127.0.0.1:0";
        psi.Environment["MESH_DATA_DIR"] = _dir;
        foreach (var (k, v) in env) psi.Environment[k] = v;
        using var silo = System.Diagnostics.Process.Start(psi)!;
        var stderr = silo.StandardError.ReadToEndAsync();
        var stdout = silo.StandardOutput.ReadToEndAsync();
        try { await silo.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90)); }
        finally { if (!silo.HasExited) silo.Kill(entireProcessTree: true); }
        return (silo.ExitCode, await stderr, await stdout);
    }

    private Dictionary<string, string> Hosted(FakeKubeApi api, RedisServer redis, string pod) => new()
    {
        // Generous: a loaded machine must not turn a denied review into a timeout.
        ["MESH_KUBERNETES"] = "true", ["MESH_REDIS"] = redis.Address, ["MESH_KUBERNETES_TIMEOUT_MS"] = "30000",
        ["MESH_KUBECONFIG"] = api.WriteKubeconfig(Path.Combine(_dir, "kubeconfig"), token: api.Tokens.MintServiceAccount(Ns, "mesh-silo")),
        ["POD_NAME"] = pod, ["POD_NAMESPACE"] = Ns, ["POD_IP"] = "127.0.0.1",
    };

    private static async Task WithPodAsync(FakeKubeApi api, string name)
    {
        var ns = await api.Resources.CreateAsync(api.Kind("v1", "namespaces"), null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = Ns } });
        Assert.True(ns.Ok, ns.Error?.Message);
        var pod = await api.Resources.CreateAsync(api.Kind("v1", "pods"), Ns, JsonNode.Parse($$$"""
            {"metadata":{"name":"{{{name}}}"},"spec":{"containers":[{"name":"silo","image":"mesh-silo"}]}}
            """));
        Assert.True(pod.Ok, pod.Error?.Message);
    }

    [Fact]
    public async Task MeshSilo_NoPodNamedPodName_ExitsNamingThePodAndTheVariables()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var api = await FakeKubeApi.StartAsync();
        await WithPodAsync(api, "mesh-silo-0");
        var (exit, stderr, _) = await RunSiloAsync(Hosted(api, redis, "mesh-silo-7"));
        Assert.Equal(2, exit);
        Assert.True(stderr.Contains($"has no pod {Ns}/mesh-silo-7 (POD_NAMESPACE/POD_NAME)", StringComparison.Ordinal), stderr);
        Assert.Contains("fieldPath: metadata.namespace, metadata.name", stderr);
    }

    [Theory]
    [InlineData("get")]
    [InlineData("patch")]
    public async Task MeshSilo_MayNotUseItsPod_ExitsNamingTheRuleInItsNamespace(string verb)
    {
        await using var redis = await RedisServer.StartAsync();
        var rbac = new RulesAuthorizer();
        rbac.Deny(User, verb, "", "pods");
        await using var api = await FakeKubeApi.StartAsync(new FakeKubeApiOptions { Authorizer = rbac });
        await WithPodAsync(api, "mesh-silo-0");
        var (exit, stderr, _) = await RunSiloAsync(Hosted(api, redis, "mesh-silo-0"));
        Assert.Equal(2, exit);
        Assert.True(stderr.Contains($"cannot {verb} pods in namespace {Ns} (Orleans' Kubernetes hosting", StringComparison.Ordinal), stderr);
        Assert.Contains($"verbs: [\"{verb}\"]", stderr);
    }

    [Fact]
    public async Task MeshSilo_KubernetesHostingWithoutPodName_ExitsNamingTheVariable()
    {
        var (exit, stderr, stdout) = await RunSiloAsync(new Dictionary<string, string>
        {
            ["MESH_KUBERNETES"] = "true", ["MESH_REDIS"] = "127.0.0.1:6379", ["POD_NAMESPACE"] = Ns, ["POD_IP"] = "127.0.0.1",
        });
        Assert.Equal(1, exit);
        Assert.StartsWith("mesh-silo: error: Kubernetes hosting (MESH_KUBERNETES=true with MESH_REDIS) needs POD_NAME (", stderr);
        Assert.Equal("", stdout);
    }
}
