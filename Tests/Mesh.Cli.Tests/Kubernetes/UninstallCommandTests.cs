using System.Text.Json.Nodes;
using Mesh.Cli.Tests.Fakes;
using Mesh.Kubernetes.Tests.Deploy;
using Mesh.Names;

namespace Mesh.Cli.Tests.Kubernetes;

/// <summary>`mesh uninstall`: every object `mesh install --ha --federation --gateway` creates, by identity, webhook first and CRDs last.</summary>
public sealed class UninstallCommandTests : IDisposable
{
    private readonly TestCli _cli = new();

    public void Dispose() => _cli.Dispose();

    private static string Key(JsonObject d) => $"{d["apiVersion"]}/{d["kind"]}/{d["metadata"]!["namespace"]}/{d["metadata"]!["name"]}";

    private static bool IsGatewayApi(JsonObject d) => ((string)d["metadata"]!["name"]!).EndsWith(".gateway.networking.k8s.io", StringComparison.Ordinal);

    [Fact]
    public async Task Uninstall_Default_EveryInstalledObjectButTheGatewayApiCrds()
    {
        var install = YamlJson.Documents((await _cli.RunAsync("install", "--ha", "--cluster-name", "west", "--federation", "--gateway")).Out);
        var result = await _cli.RunAsync("uninstall");

        Assert.True(result.ExitCode == 0, result.ToString());
        var docs = YamlJson.Documents(result.Out);
        Assert.Equal(install.Where(d => !IsGatewayApi(d)).Select(Key).Order(), docs.Select(Key).Order());
        Assert.All(docs, d => Assert.Equal(["apiVersion", "kind", "metadata"], d.Select(p => p.Key)));
        Assert.Equal("MutatingWebhookConfiguration", (string?)docs[0]["kind"]);
        var firstCrd = docs.FindIndex(d => (string?)d["kind"] == "CustomResourceDefinition");
        Assert.All(docs[firstCrd..], d => Assert.Equal("CustomResourceDefinition", (string?)d["kind"]));
        Assert.Equal("Namespace", (string?)docs[firstCrd - 1]["kind"]);
        Assert.Contains("the Gateway API CRDs stay", result.Err);
    }

    [Fact]
    public async Task Uninstall_IncludeGatewayApiAndNamespace_ThoseToo()
    {
        var result = await _cli.RunAsync("uninstall", "--include-gateway-api", "-n", "mesh-prod");

        var docs = YamlJson.Documents(result.Out);
        Assert.Equal(3, docs.Count(IsGatewayApi));
        Assert.All(docs.Where(d => d["metadata"]!["namespace"] is not null), d => Assert.Equal("mesh-prod", (string?)d["metadata"]!["namespace"]));
        Assert.Contains(docs, d => (string?)d["kind"] == "Namespace" && (string?)d["metadata"]!["name"] == "mesh-prod");
        Assert.Contains(docs, d => (string?)d["kind"] == "ClusterRole" && (string?)d["metadata"]!["name"] == KubernetesObjects.Silo);
    }

    [Fact]
    public async Task Uninstall_ReservedNamespace_Refused()
    {
        var result = await _cli.RunAsync("uninstall", "-n", "kube-system");

        Assert.Equal(ExitCodes.UserError, result.ExitCode);
        Assert.Empty(result.Out);
    }
}
