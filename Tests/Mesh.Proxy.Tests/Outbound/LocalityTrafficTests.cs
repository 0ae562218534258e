using Mesh.Api.V1;
using Mesh.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy;

namespace Mesh.Proxy.Tests.Outbound;

/// <summary><c>balancer.mesh.io/locality: prefer-local</c> through a real client proxy and real sidecars: discovery
/// announces a federated service with one local endpoint and two of cluster west; every request stays local while the
/// local endpoint is ready, spills over to west when it is not, and comes back when it is again.</summary>
[Trait("Category", "E2E")]
public sealed class LocalityTrafficTests : IAsyncLifetime
{
    private const string Federated = "books-federated.default:8080";
    private MeshTopology _mesh = null!;

    public async Task InitializeAsync() => _mesh = await MeshTopology.StartAsync();

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    private static Endpoint Remote(MeshTopology.Server s)
    {
        var e = s.Endpoint();
        e.Cluster = "west";
        return e;
    }

    [Fact]
    public async Task PreferLocal_LocalReady_AllLocal_ThenSpillsToRemote_AndReturns()
    {
        var local = await _mesh.AddServerAsync("east-1");
        var west1 = await _mesh.AddServerAsync("west-1");
        var west2 = await _mesh.AddServerAsync("west-2");
        _mesh.Discovery.SetService(Federated, [local.Endpoint(), Remote(west1), Remote(west2)], new ServiceProfile { PreferLocal = true });
        using var client = _mesh.HttpProxyClient();

        for (var i = 0; i < 60; i++) Assert.Equal("east-1", await AppAsync(client));
        Assert.Equal((0, 0), (west1.App.Hits, west2.App.Hits));

        // The only local endpoint goes not-ready: traffic spills to west.
        var notReady = local.Endpoint();
        notReady.Ready = false;
        _mesh.Discovery.Upsert(Federated, notReady);
        await Poll.UntilAsync(async () => await AppAsync(client) != "east-1", TimeSpan.FromSeconds(15), "traffic to spill to west");
        var spilled = new List<string>();
        for (var i = 0; i < 60; i++) spilled.Add(await AppAsync(client));
        Assert.All(spilled, a => Assert.StartsWith("west-", a));
        // Any west endpoint takes the spill (which one serves is the latency-aware balancer's pick, so sequential
        // requests may all go to one): with west-2 not ready as well, west-1 serves; then west-2 is back.
        var west2Down = Remote(west2);
        west2Down.Ready = false;
        _mesh.Discovery.Upsert(Federated, west2Down);
        // Wait for the balancer's own destination set to have dropped west-2 (an answer from west-1 alone could come
        // before the update lands, and the next request could still go to west-2).
        await Poll.UntilAsync(() => Task.FromResult(BalancerDestinations(Federated) is { } d && !d.Contains(west2.Key) && d.Contains(west1.Key)),
            TimeSpan.FromSeconds(15), "the client proxy's balancer to drop the not-ready west-2");
        for (var i = 0; i < 20; i++) Assert.Equal("west-1", await AppAsync(client));
        _mesh.Discovery.Upsert(Federated, Remote(west2));

        // Local is back: everything returns to it.
        _mesh.Discovery.Upsert(Federated, local.Endpoint());
        await Poll.UntilAsync(async () => await AppAsync(client) == "east-1", TimeSpan.FromSeconds(15), "traffic to return to east-1");
        var hits = (west1.App.Hits, west2.App.Hits);
        for (var i = 0; i < 60; i++) Assert.Equal("east-1", await AppAsync(client));
        Assert.Equal(hits, (west1.App.Hits, west2.App.Hits));
    }

    [Fact]
    public async Task NoPreference_BalancesOverLocalAndRemote()
    {
        var local = await _mesh.AddServerAsync("east-1");
        var west1 = await _mesh.AddServerAsync("west-1");
        _mesh.Discovery.SetService(Federated, [local.Endpoint(), Remote(west1)]);
        using var client = _mesh.HttpProxyClient();
        var seen = new HashSet<string>();
        await Poll.UntilAsync(async () => { seen.Add(await AppAsync(client)); return seen.Count == 2; }, TimeSpan.FromSeconds(15), "both clusters' endpoints to get traffic");
    }

    /// <summary>The destination keys the client proxy's load balancer picks from for <paramref name="cluster"/>, or
    /// null while it has no such cluster.</summary>
    private HashSet<string>? BalancerDestinations(string cluster) =>
        _mesh.Client.Services.GetRequiredService<IProxyStateLookup>().TryGetCluster(cluster, out var state)
            ? state.DestinationsState.AllDestinations.Select(d => d.DestinationId).ToHashSet(StringComparer.Ordinal)
            : null;

    private static async Task<string> AppAsync(HttpClient client)
    {
        var r = await client.GetAsync("http://books-federated.default:8080/");
        r.EnsureSuccessStatusCode();
        return r.Headers.GetValues("x-app").Single();
    }
}
