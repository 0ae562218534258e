using System.Net;
using System.Text.Json;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Api.V1;
using Mesh.ControlPlane.Tests.Support;

namespace Mesh.ControlPlane.Tests.Discovery;

/// <summary>GAMMA consumer routes end to end in the silo (MeshConsumerRoute): a route in the client's namespace whose
/// parentRef is a Service in another namespace reaches watchers from that namespace only, and wins there over the
/// producer route; everyone else keeps the producer route.</summary>
[Collection(SiloCollection.Name)]
public sealed class ConsumerRouteWatchTests(SiloFixture silo)
{
    private static string NewNamespace(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private static string Producer() => """
        apiVersion: v1
        kind: Service
        metadata: {name: echo}
        spec:
          selector: {app: echo}
          ports: [{name: http, port: 80, targetPort: 7001}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: producer}
        spec:
          parentRefs: [{group: "", kind: Service, name: echo, port: 80}]
          rules:
            - filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: x-route, value: producer}]}}]
        """;

    private static string Consumer(string producerNs) => $$$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: mesh-echo-add-header}
        spec:
          parentRefs: [{group: "", kind: Service, name: echo, namespace: {{{producerNs}}}}]
          rules:
            - filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: X-Header-Set, value: set}]}}]
              backendRefs: [{name: echo, namespace: {{{producerNs}}}, port: 80}]
        """;

    private async Task ApplyAsync(string yaml, string ns)
    {
        using var admin = silo.AuthorizedAdmin();
        var response = await admin.PostAsync($"/api/v1/apply?namespace={ns}", new StringContent(yaml));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private WatchClient Watch(string producerNs, string from) =>
        new(new Api.V1.Discovery.DiscoveryClient(silo.Control), $"echo.{producerNs}.svc.cluster.local:80", from);

    private static string? RouteName(WatchClient w) => w.Profile?.Routes.Count == 1 ? w.Profile.Routes[0].Name : null;

    [Fact]
    public async Task Watch_FromTheConsumerRoutesNamespace_GetsTheConsumerRouteOthersTheProducers()
    {
        var producer = NewNamespace("prod");
        var consumer = NewNamespace("cons");
        await ApplyAsync(Producer(), producer);
        await ApplyAsync(Consumer(producer), consumer);

        await using var fromConsumer = Watch(producer, consumer);
        await using var fromProducer = Watch(producer, producer);
        await using var fromElsewhere = Watch(producer, NewNamespace("other"));
        await fromConsumer.WaitUntil(w => RouteName(w) == $"{consumer}/mesh-echo-add-header/rule-0", "the consumer route");
        await fromProducer.WaitUntil(w => RouteName(w) == $"{producer}/producer/rule-0", "the producer route");
        await fromElsewhere.WaitUntil(w => RouteName(w) == $"{producer}/producer/rule-0", "the producer route");

        var route = fromConsumer.Profile!.Routes[0];
        Assert.Equal("set", route.Filters.Single().ResponseHeaderModifier.Set["X-Header-Set"]);
        Assert.Equal($"echo.{producer}.svc.cluster.local:80", route.Backends.Single().Authority);
    }

    [Fact]
    public async Task Describe_ServiceWithConsumerRoute_ListsItByNamespace()
    {
        var producer = NewNamespace("prod");
        var consumer = NewNamespace("cons");
        await ApplyAsync(Producer(), producer);
        await ApplyAsync(Consumer(producer), consumer);

        var describe = JsonDocument.Parse(await silo.Admin.GetStringAsync($"/api/v1/services/{producer}/echo")).RootElement;
        var consumers = describe.GetProperty("consumerRoutes").EnumerateArray().ToList();
        var only = Assert.Single(consumers);
        Assert.Equal(consumer, only.GetProperty("namespace").GetString());
        Assert.Equal($"{consumer}/mesh-echo-add-header/rule-0", only.GetProperty("routes")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task Delete_ConsumerRouteAfterCatalogReactivated_ConsumerFallsBackToTheProducerRoute()
    {
        var producer = NewNamespace("prod");
        var consumer = NewNamespace("cons");
        await ApplyAsync(Producer(), producer);
        await ApplyAsync(Consumer(producer), consumer);
        await using var fromConsumer = Watch(producer, consumer);
        await fromConsumer.WaitUntil(w => RouteName(w) == $"{consumer}/mesh-echo-add-header/rule-0", "the consumer route");

        // The consumer's catalog comes back without its in-memory derivation: the persisted targets still clear it.
        await silo.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        using var admin = silo.AuthorizedAdmin();
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/api/v1/resources/httproute/{consumer}/mesh-echo-add-header")).StatusCode);

        await fromConsumer.WaitUntil(w => RouteName(w) == $"{producer}/producer/rule-0", "the producer route again");
        Assert.Empty((await silo.Grains.GetGrain<IProfileGrain>(MeshNames.ConsumerKey(producer, "echo", consumer)).GetAsync()).Value.Routes);
    }
}
