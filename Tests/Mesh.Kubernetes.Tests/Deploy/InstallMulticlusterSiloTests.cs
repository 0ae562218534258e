using System.Text.Json.Nodes;
using Mesh.Names;
using Mesh.Silo.Hosting;

namespace Mesh.Kubernetes.Tests.Deploy;

/// <summary>The silo's own settings loader reads the multi-cluster env `mesh install` renders: the names it renders
/// are the ones the silo knows, the values pass its checks, and they mean what the flags said.</summary>
public sealed class InstallMulticlusterSiloTests
{
    [Fact]
    public async Task FederationSettings_RenderedWestEnv_LoadsAsTheFlagsSaid()
    {
        var docs = await MeshInstall.DocumentsAsync("--trust-domain", "west.mesh", "--cluster-name", "west", "--federation", "--gateway",
            "--gateway-address", "203.0.113.7:4143");
        var env = SiloEnv(docs);

        var settings = FederationSettings.Load(name => env.GetValueOrDefault(name), KubernetesObjects.AdminPort, KubernetesObjects.ControlPort);

        Assert.Equal("west", settings.ClusterName);
        Assert.Equal(KubernetesObjects.FederationPort, settings.Federation!.Port);
        Assert.Equal(new Authority("203.0.113.7", 4143), settings.Gateway);
        Assert.Equal("spiffe://west.mesh/ns/mesh/sa/gateway", settings.GatewayIdentity);
    }

    [Fact]
    public async Task FederationSettings_GatewayWithoutAddress_LoadsWithNoGatewayAdvertised()
    {
        var env = SiloEnv(await MeshInstall.DocumentsAsync("--cluster-name", "west", "--federation", "--gateway"));

        var settings = FederationSettings.Load(name => env.GetValueOrDefault(name), KubernetesObjects.AdminPort, KubernetesObjects.ControlPort);

        Assert.Equal("west", settings.ClusterName);
        Assert.Null(settings.Gateway);
        Assert.Null(settings.GatewayIdentity);
    }

    private static Dictionary<string, string> SiloEnv(List<JsonObject> docs) =>
        docs.Single(d => (string?)d["kind"] == "StatefulSet")["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray()
            .Where(e => e!["value"] is not null).ToDictionary(e => (string)e!["name"]!, e => (string)e!["value"]!);
}
