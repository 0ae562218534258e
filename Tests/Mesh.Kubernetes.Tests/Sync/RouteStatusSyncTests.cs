using System.Text.Json.Nodes;
using Mesh.Silo.Kubernetes.Sync;
using Xunit.Abstractions;

namespace Mesh.Kubernetes.Tests.Sync;

/// <summary>The leader writes Gateway API `status.parents` onto synced routes through the status subresource (a real
/// Kubernetes-mode silo, the real KubernetesClient, the fake API server): conditions follow the Services, an invalid
/// route says why, another controller's entry survives, and a settled status is not rewritten.</summary>
[Trait("Category", "E2E")]
public sealed class RouteStatusSyncTests(ITestOutputHelper output)
{
    private const string Route = """
        {"metadata":{"name":"books-split"},"spec":{"parentRefs":[{"group":"","kind":"Service","name":"books","port":8080}],
         "rules":[{"backendRefs":[{"name":"books","port":8080,"weight":90},{"name":"books-v2","port":8080,"weight":10}]}]}}
        """;

    private static string Service(string name) => $$$"""
        {"metadata":{"name":"{{{name}}}","namespace":"shop"},"spec":{"selector":{"app":"{{{name}}}"},"ports":[{"name":"http","port":8080}]}}
        """;

    private static Task<JsonObject> RouteAsync(SyncCluster c, string name) =>
        Task.FromResult(c.Api.Resources.Get(c.Api.Kind("gateway.networking.k8s.io/v1", "httproutes"), "shop", name).Value!);

    private static JsonObject? Ours(JsonObject route) =>
        (route["status"]?["parents"] as JsonArray ?? []).OfType<JsonObject>().SingleOrDefault(p => (string?)p["controllerName"] == RouteStatus.ControllerName);

    private static string? ConditionOf(JsonObject route, string type) =>
        Ours(route)?["conditions"]?.AsArray().OfType<JsonObject>().SingleOrDefault(c => (string?)c["type"] == type) is { } c
            ? $"{c["status"]}/{c["reason"]}: {c["message"]}" : null;

    [Fact]
    public async Task RouteStatus_FollowsServices_KeepsOtherControllers_Settles()
    {
        await using var c = await SyncCluster.StartAsync();
        await c.CreateAsync("v1", "services", "shop", Service("books"));
        await c.CreateAsync("gateway.networking.k8s.io/v1", "httproutes", "shop", Route);
        // Another controller (a gateway that once had this route) has an entry of its own.
        var other = JsonNode.Parse("""
            {"status":{"parents":[{"parentRef":{"name":"edge"},"controllerName":"example.com/gateway",
              "conditions":[{"type":"Accepted","status":"True","reason":"Accepted","message":"","observedGeneration":1,"lastTransitionTime":"2026-01-01T00:00:00Z"}]}]}}
            """);
        Assert.True((await c.Api.Resources.PatchAsync(c.Api.Kind("gateway.networking.k8s.io/v1", "httproutes"), "shop", "books-split",
            "application/merge-patch+json", other, status: true)).Ok);
        await c.StartSiloAsync("silo-a");

        var route = await SyncCluster.EventuallyAsync(() => RouteAsync(c, "books-split"), r => Ours(r) is not null, "the mesh's status entry");
        Assert.Equal("True/Accepted: the mesh routes this Service's traffic by this route", ConditionOf(route, "Accepted"));
        Assert.Equal("False/BackendNotFound: backendRef books-v2: no Service books-v2 in namespace shop; requests routed to it fail with 503",
            ConditionOf(route, "ResolvedRefs"));
        Assert.Equal(1, (long)Ours(route)!["conditions"]![0]!["observedGeneration"]!);
        var gateway = route["status"]!["parents"]!.AsArray().OfType<JsonObject>().Single(p => (string?)p["controllerName"] == "example.com/gateway");
        Assert.True(JsonNode.DeepEquals(other!["status"]!["parents"]![0], gateway));

        // The backend appears: ResolvedRefs turns True.
        var started = DateTime.UtcNow;
        await c.CreateAsync("v1", "services", "shop", Service("books-v2"));
        route = await SyncCluster.EventuallyAsync(() => RouteAsync(c, "books-split"), r => ConditionOf(r, "ResolvedRefs")?.StartsWith("True/") == true,
            "ResolvedRefs True after the backend Service appears");
        output.WriteLine($"Service created → ResolvedRefs True in {(DateTime.UtcNow - started).TotalMilliseconds:0} ms");

        // Settled: later passes (the resync, the status write's own watch event) write nothing.
        var version = (string)route["metadata"]!["resourceVersion"]!;
        await c.CreateAsync("v1", "services", "shop", Service("unrelated")); // triggers a pass that has nothing to write
        await Task.Delay(1500);
        Assert.Equal(version, (string)(await RouteAsync(c, "books-split"))["metadata"]!["resourceVersion"]!);

        // The parent goes away: Accepted turns False.
        await c.DeleteAsync("v1", "services", "shop", "books");
        route = await SyncCluster.EventuallyAsync(() => RouteAsync(c, "books-split"), r => ConditionOf(r, "Accepted")?.StartsWith("False/") == true,
            "Accepted False after the parent Service is deleted");
        Assert.Equal("False/NoMatchingParent: no Service books in namespace shop", ConditionOf(route, "Accepted"));
    }

    [Fact]
    public async Task RouteStatus_InvalidRoute_NotAcceptedWithFieldPath_WhileTheRestSyncs()
    {
        await using var c = await SyncCluster.StartAsync();
        await c.CreateAsync("v1", "services", "shop", Service("books"));
        await c.CreateAsync("gateway.networking.k8s.io/v1", "httproutes", "shop", """
            {"metadata":{"name":"bad"},"spec":{"parentRefs":[{"group":"","kind":"Service","name":"books","port":8080}],
             "rules":[{"backendRefs":[{"name":"books","port":8080,"weight":-1}]}]}}
            """);
        await c.CreateAsync("gateway.networking.k8s.io/v1", "httproutes", "shop", Route.Replace("books-split", "good"));
        await c.StartSiloAsync("silo-a");

        var bad = await SyncCluster.EventuallyAsync(() => RouteAsync(c, "bad"), r => Ours(r) is not null, "status on the invalid route");
        var accepted = ConditionOf(bad, "Accepted")!;
        Assert.StartsWith("False/UnsupportedValue: the mesh rejected the route: spec.rules[0].backendRefs[0].weight", accepted);
        var good = await SyncCluster.EventuallyAsync(() => RouteAsync(c, "good"), r => Ours(r) is not null, "status on the valid route");
        Assert.Equal("True/Accepted: the mesh routes this Service's traffic by this route", ConditionOf(good, "Accepted"));
    }
}
