using System.Text.Json.Nodes;
using Mesh.Kubernetes.Tests.KubeApi;
using Mesh.Names;
using Mesh.Testing.KubeApi;

namespace Mesh.Kubernetes.Tests.Deploy;

/// <summary>`mesh install | kubectl apply -f -` against the fake API server with the real kubectl: every object is
/// stored, the CRDs establish their kinds (kubectl then serves and writes their objects), a second apply changes
/// nothing, and `mesh uninstall | kubectl delete -f -` removes it all again. The fake stores workloads without running
/// them and does not validate objects against CRD schemas (CrdSchemaTests does that with a JSON Schema validator).</summary>
[Trait("Category", "E2E")]
public sealed class InstallApplyTests
{
    private static string Key(JsonObject d) => $"{d["kind"]} {d["metadata"]!["namespace"]}/{d["metadata"]!["name"]}";

    /// <summary>The stored object, or null (also when its kind is not served, e.g. after its CRD was deleted).</summary>
    private static JsonObject? Get(FakeKubeApi api, JsonObject d)
    {
        var kind = api.Kinds.FindByKind((string)d["apiVersion"]!, (string)d["kind"]!);
        if (kind is null) return null;
        var got = api.Resources.Get(kind, (string?)d["metadata"]!["namespace"], (string)d["metadata"]!["name"]!);
        return got.Ok ? got.Value : null;
    }

    /// <summary>Multi-cluster: the federation listener and its LoadBalancer, the gateway and the silo advertising it.</summary>
    private static readonly string[] Multicluster =
        ["--cluster-name", "west", "--federation", "--gateway", "--gateway-address", "203.0.113.7:4143"];

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task KubectlApply_RenderedInstall_EveryObjectStoredAndCrdsEstablished(bool ha, bool multicluster)
    {
        await using var api = await FakeKubeApi.StartAsync();
        using var kubectl = new Kubectl(api);
        var yaml = await MeshInstall.RenderAsync([.. ha ? ["--ha"] : Array.Empty<string>(), .. multicluster ? Multicluster : []]);
        var docs = YamlJson.Documents(yaml);

        var applied = await kubectl.ApplyAsync(yaml);

        foreach (var d in docs)
            Assert.True(Get(api, d) is not null, $"{Key(d)} was not stored; kubectl said:\n{applied}");
        foreach (var crd in docs.Where(d => (string?)d["kind"] == "CustomResourceDefinition"))
        {
            var stored = (Get(api, crd))!;
            Assert.Contains(stored["status"]!["conditions"]!.AsArray(), c => (string?)c!["type"] == "Established" && (string?)c["status"] == "True");
        }
        var sts = (Get(api, docs.Single(d => (string?)d["kind"] == "StatefulSet")))!;
        Assert.Equal(ha ? 3 : 1, (int)sts["spec"]!["replicas"]!);
        Assert.Equal(ha, docs.Any(d => (string?)d["kind"] == "PodDisruptionBudget"));
        Assert.Equal(multicluster, docs.Any(d => (string?)d["kind"] == "Deployment" && (string?)d["metadata"]!["name"] == "mesh-gateway"));
        if (multicluster)
        {
            // --ha: two gateways, one per node, behind a budget of their own — as the API server stored them.
            var gateway = (Get(api, docs.Single(d => (string?)d["kind"] == "Deployment" && (string?)d["metadata"]!["name"] == "mesh-gateway")))!;
            Assert.Equal(ha ? 2 : 1, (int)gateway["spec"]!["replicas"]!);
            Assert.Equal(ha, gateway["spec"]!["template"]!["spec"]!["affinity"]?["podAntiAffinity"] is not null);
            Assert.Equal(ha, docs.Any(d => (string?)d["kind"] == "PodDisruptionBudget" && (string?)d["metadata"]!["name"] == "mesh-gateway"));
        }
        Assert.Equal(multicluster, docs.Any(d => (string?)d["kind"] == "Service" && (string?)d["metadata"]!["name"] == "mesh-federation"));

        // The established kinds are served: kubectl writes and reads a Server and an HTTPRoute.
        await kubectl.ApplyAsync("""
            apiVersion: policy.mesh.io/v1alpha1
            kind: Server
            metadata: {name: books-http, namespace: default}
            spec: {podSelector: {matchLabels: {app: books}}, port: http, proxyProtocol: HTTP/1}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: books, namespace: default}
            spec:
              parentRefs: [{group: "", kind: Service, name: books, port: 80}]
              rules: [{backendRefs: [{name: books, port: 80}]}]
            """);
        Assert.Contains("books-http", await kubectl.OkAsync("get", "servers.policy.mesh.io", "-n", "default", "-o", "name"));
        Assert.Contains("books", await kubectl.OkAsync("get", "httproutes", "-n", "default", "-o", "name"));

        var before = api.ResourceVersion;
        var again = await kubectl.ApplyAsync(yaml);
        Assert.DoesNotContain("created", again);
        Assert.Equal(before, api.ResourceVersion);
    }

    [Fact]
    public async Task KubectlDelete_Uninstall_RemovesEveryObjectButTheGatewayApiCrds()
    {
        await using var api = await FakeKubeApi.StartAsync();
        using var kubectl = new Kubectl(api);
        var yaml = await MeshInstall.RenderAsync(["--ha", .. Multicluster]);
        await kubectl.ApplyAsync(yaml);

        var uninstall = await MeshInstall.UninstallAsync();
        var deleted = await kubectl.RunWithStdinAsync(uninstall, "delete", "--ignore-not-found", "-f", "-");

        Assert.True(deleted.ExitCode == 0, $"kubectl delete -f -: {deleted}");
        foreach (var d in YamlJson.Documents(yaml))
        {
            var gatewayApi = ((string)d["metadata"]!["name"]!).EndsWith(".gateway.networking.k8s.io", StringComparison.Ordinal);
            Assert.True((Get(api, d) is not null) == gatewayApi, $"{Key(d)} {(gatewayApi ? "was deleted" : "is still there")}");
        }
        Assert.Null(Get(api, JsonNode.Parse($$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{KubernetesObjects.Namespace}}}"}}""")!.AsObject()));
    }
}
