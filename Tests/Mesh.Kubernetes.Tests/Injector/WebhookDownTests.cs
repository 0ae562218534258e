using System.Text.Json.Nodes;
using Mesh.Names;

namespace Mesh.Kubernetes.Tests.Injector;

/// <summary>failurePolicy Ignore with the real silo gone: pods are still admitted, un-injected, and the chain records the
/// failed call; a silo back on the webhook port injects again.</summary>
[Trait("Category", "E2E")]
public sealed class WebhookDownTests : IAsyncLifetime
{
    private readonly InjectorCluster _cluster = new();

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    private async Task<JsonObject> CreatePodAsync(string name)
    {
        var created = await _cluster.Api.Resources.CreateAsync(_cluster.Api.Kind("v1", "pods"), "shop", JsonNode.Parse($$$"""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"{{{name}}}"},"spec":{"containers":[{"name":"app","image":"app:1"}]}}
            """));
        Assert.True(created.Ok, created.Error?.Message);
        return created.Value!;
    }

    private static int Proxies(JsonObject pod) =>
        (pod["spec"]!["initContainers"] as JsonArray)?.Count(c => (string?)c!["name"] == KubernetesObjects.ProxyContainer) ?? 0;

    [Fact]
    public async Task Create_SiloStopped_PodAdmittedUninjectedThenInjectedAgainWhenItIsBack()
    {
        await _cluster.Api.Resources.CreateAsync(_cluster.Api.Kind("v1", "namespaces"), null,
            new JsonObject { ["metadata"] = new JsonObject { ["name"] = "shop", ["annotations"] = new JsonObject { [KubernetesObjects.InjectAnnotation] = "enabled" } } });
        Assert.Equal(1, Proxies(await CreatePodAsync("before")));

        await _cluster.Silo.StopAsync();
        var during = await CreatePodAsync("during");

        Assert.Equal(0, Proxies(during));
        var call = _cluster.Api.Webhooks.Calls.Single(c => c.Name == "during");
        Assert.Equal("failed-ignored", call.Outcome);
        Assert.Contains("failed to call webhook", call.Error);

        await using var back = await _cluster.StartSiloAsync();
        Assert.Equal(1, Proxies(await CreatePodAsync("after")));
    }
}
