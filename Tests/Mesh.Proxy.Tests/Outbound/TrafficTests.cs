using System.Net;
using Mesh.Api.V1;
using Mesh.Proxy.Tests.Infrastructure;

namespace Mesh.Proxy.Tests.Outbound;

/// <summary>Splits, balancing, endpoint churn and control-plane loss, through a real sidecar pair.</summary>
[Trait("Category", "E2E")]
public sealed class TrafficTests : IAsyncLifetime
{
    private MeshTopology _mesh = null!;

    public async Task InitializeAsync() => _mesh = await MeshTopology.StartAsync();

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task Split_90To10_LandsWithinFivePercentOver2000Requests()
    {
        var v1 = await _mesh.AddServerAsync("books-v1");
        var v2 = await _mesh.AddServerAsync("books-v2");
        _mesh.Discovery.SetService("books-v1.default:8080", [v1.Endpoint()]);
        _mesh.Discovery.SetService("books-v2.default:8080", [v2.Endpoint()]);
        var route = new Route { Name = "default/books-split/rule-0" };
        route.Backends.Add(new Backend { Authority = "books-v1.default:8080", Weight = 90 });
        route.Backends.Add(new Backend { Authority = "books-v2.default:8080", Weight = 10 });
        var profile = new ServiceProfile();
        profile.Routes.Add(route);
        _mesh.Discovery.SetService(MeshTopology.Books, [], profile);

        using var client = _mesh.HttpProxyClient();
        const int total = 2000;
        var tasks = Enumerable.Range(0, 8).Select(async _ =>
        {
            for (var i = 0; i < total / 8; i++)
            {
                var r = await client.GetAsync("http://books.default:8080/");
                Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            }
        });
        await Task.WhenAll(tasks);
        var share = v1.App.Hits / (double)total;
        Assert.Equal(total, v1.App.Hits + v2.App.Hits);
        Assert.InRange(share, 0.85, 0.95);
    }

    [Fact]
    public async Task PeakEwma_PrefersTheFastEndpoint_OverOneWith50msDelay()
    {
        var fast = await _mesh.AddServerAsync("fast");
        var slow = await _mesh.AddServerAsync("slow");
        slow.App.DelayMs = 50;
        _mesh.Discovery.SetService(MeshTopology.Books, [fast.Endpoint(), slow.Endpoint()]);
        using var client = _mesh.HttpProxyClient();
        var tasks = Enumerable.Range(0, 4).Select(async _ =>
        {
            for (var i = 0; i < 100; i++) (await client.GetAsync("http://books.default:8080/")).EnsureSuccessStatusCode();
        });
        await Task.WhenAll(tasks);
        Assert.Equal(400, fast.App.Hits + slow.App.Hits);
        Assert.True(fast.App.Hits > 3 * slow.App.Hits, $"fast {fast.App.Hits} vs slow {slow.App.Hits}");
    }

    [Fact]
    public async Task EndpointRemoved_StopsTrafficToItWithinOneSecond()
    {
        var a = await _mesh.AddServerAsync("a");
        var b = await _mesh.AddServerAsync("b");
        _mesh.Discovery.SetService(MeshTopology.Books, [a.Endpoint(), b.Endpoint()]);
        using var client = _mesh.HttpProxyClient();
        for (var i = 0; i < 20; i++) (await client.GetAsync("http://books.default:8080/")).EnsureSuccessStatusCode();

        _mesh.Discovery.Remove(MeshTopology.Books, b.Key);
        var removedAt = DateTime.UtcNow;
        await Poll.UntilAsync(async () =>
        {
            var before = b.App.Hits;
            for (var i = 0; i < 10; i++) (await client.GetAsync("http://books.default:8080/")).EnsureSuccessStatusCode();
            return b.App.Hits == before;
        }, TimeSpan.FromSeconds(1), "traffic to the removed endpoint to stop");
        Assert.True(DateTime.UtcNow - removedAt < TimeSpan.FromSeconds(1.5));
        var after = b.App.Hits;
        for (var i = 0; i < 50; i++) (await client.GetAsync("http://books.default:8080/")).EnsureSuccessStatusCode();
        Assert.Equal(after, b.App.Hits);
    }

    [Fact]
    public async Task DiscoveryStopped_TrafficKeepsFlowingOnLastState_AndResyncsAfterRestart()
    {
        var a = await _mesh.AddServerAsync("a");
        _mesh.Discovery.SetService(MeshTopology.Books, [a.Endpoint()]);
        using var client = _mesh.HttpProxyClient();
        (await client.GetAsync("http://books.default:8080/")).EnsureSuccessStatusCode();

        await _mesh.Discovery.StopAsync();
        for (var i = 0; i < 20; i++)
        {
            var r = await client.GetAsync("http://books.default:8080/");
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }

        // A change made while the proxy was away arrives with the snapshot after reconnecting.
        await _mesh.Discovery.RestartAsync();
        var b = await _mesh.AddServerAsync("b");
        _mesh.Discovery.SetService(MeshTopology.Books, [b.Endpoint()]);
        await Poll.UntilAsync(async () => (await client.GetAsync("http://books.default:8080/")).Headers.TryGetValues("x-app", out var v) && v.Single() == "b",
            TimeSpan.FromSeconds(15), "the proxy to resync after the control plane came back");
    }

    [Fact]
    public async Task UnmeshedEndpoint_GetsPlaintextInTheClientsProtocol()
    {
        var plain = await TestApp.StartAsync("plain");
        try
        {
            _mesh.Discovery.SetService(MeshTopology.Books, [new Endpoint { Key = $"127.0.0.1:{plain.HttpPort}", Address = "127.0.0.1", Port = (uint)plain.HttpPort, Weight = 1, Ready = true }]);
            using var client = _mesh.HttpProxyClient();
            var r = await client.GetAsync("http://books.default:8080/");
            Assert.Equal("plain", await r.Content.ReadAsStringAsync());
            Assert.Equal("HTTP/1.1", plain.LastProtocol);
            Assert.False(plain.LastHeaders!.ContainsKey("mesh-target-port"));
        }
        finally { await plain.DisposeAsync(); }
    }

    [Fact]
    public async Task NoEndpoints_FailsFastWith503AfterTheQueueTimeout()
    {
        _mesh.Discovery.SetService(MeshTopology.Books, []);
        using var client = _mesh.HttpProxyClient();
        var started = DateTime.UtcNow;
        var r = await client.GetAsync("http://books.default:8080/");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode);
        Assert.Equal("no-endpoints", r.Headers.GetValues("mesh-error").Single());
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ServiceDeletedWhileQueued_AnswersAtOnceNotAtTheQueueTimeout()
    {
        // A queue far longer than the test's bound: only the deletion can end the wait in time.
        await using var mesh = await MeshTopology.StartAsync(s => s with { QueueTimeout = TimeSpan.FromMinutes(5) });
        mesh.Discovery.SetService(MeshTopology.Books, []);
        using var client = mesh.HttpProxyClient();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var queued = client.GetAsync("http://books.default:8080/", bound.Token);
        await Poll.UntilAsync(() => mesh.Discovery.WatchCalls(MeshTopology.Books) > 0, TimeSpan.FromSeconds(15), "the queued request to open the watch");

        mesh.Discovery.Delete(MeshTopology.Books); // as when `mesh run books` stops: no endpoint will come back

        // Queued: 503 no-endpoints (the old code held it for the whole queue). On a loaded machine the deletion may
        // land before the request reached the queue: then the routing step's 502 unknown-service; both name the cause.
        var r = await queued;
        var error = r.Headers.GetValues("mesh-error").Single();
        Assert.True(r.StatusCode == HttpStatusCode.ServiceUnavailable && error == "no-endpoints" || r.StatusCode == HttpStatusCode.BadGateway && error == "unknown-service",
            $"{(int)r.StatusCode} {error}");
        Assert.Contains("was deleted", await r.Content.ReadAsStringAsync(bound.Token));
    }

    [Fact]
    public async Task NoSuchPort_503NamesThePortAndTheServicesPorts()
    {
        const string problem = "service books.default has no port 8080; its ports: 9090 (http)";
        _mesh.Discovery.SetService(MeshTopology.Books, [], problem: problem);
        using var client = _mesh.HttpProxyClient();
        var r = await client.GetAsync("http://books.default:8080/");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode);
        var body = await r.Content.ReadAsStringAsync();
        Assert.Contains(problem, body);
        Assert.DoesNotContain("is a workload registered", body);
    }

    [Fact]
    public async Task EndpointAddedWhileQueued_ServesTheQueuedRequest()
    {
        _mesh.Discovery.SetService(MeshTopology.Books, []);
        using var client = _mesh.HttpProxyClient();
        // Open the watch, so the queued request waits on a known-empty service.
        var first = client.GetAsync("http://books.default:8080/");
        var a = await _mesh.AddServerAsync("a");
        _mesh.Discovery.Upsert(MeshTopology.Books, a.Endpoint());
        var r = await first;
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
    }
}
