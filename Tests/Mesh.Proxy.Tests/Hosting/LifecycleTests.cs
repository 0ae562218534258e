using System.Net;
using Mesh.Proxy.Tests.Infrastructure;

namespace Mesh.Proxy.Tests.Hosting;

/// <summary>Watch sharing and expiry, graceful drain, readiness, admin endpoints.</summary>
[Trait("Category", "E2E")]
public sealed class LifecycleTests : IAsyncLifetime
{
    private MeshTopology _mesh = null!;

    public async Task InitializeAsync() => _mesh = await MeshTopology.StartAsync(s => s with { WatchIdleTimeout = TimeSpan.FromSeconds(1) });

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task ConcurrentRequests_ShareOneWatch_WhichIsDroppedWhenUnused()
    {
        var books = await _mesh.AddServerAsync("books");
        _mesh.Discovery.SetService(MeshTopology.Books, [books.Endpoint()]);
        using var client = _mesh.HttpProxyClient();
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.GetAsync("http://books.default:8080/")));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(1, _mesh.Discovery.WatchCalls(MeshTopology.Books));

        using var admin = new HttpClient();
        Assert.Contains(MeshTopology.Books, await admin.GetStringAsync($"http://{_mesh.Client.Admin}/config"));
        await Poll.UntilAsync(async () => !(await admin.GetStringAsync($"http://{_mesh.Client.Admin}/config")).Contains(MeshTopology.Books),
            TimeSpan.FromSeconds(10), "the unused watch to be dropped");
        // Used again: a new watch, a fresh snapshot.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("http://books.default:8080/")).StatusCode);
        Assert.Equal(2, _mesh.Discovery.WatchCalls(MeshTopology.Books));
    }

    [Fact]
    public async Task Stop_DrainsInFlightRequests()
    {
        var slow = await _mesh.AddServerAsync("slow");
        slow.App.DelayMs = 1000;
        _mesh.Discovery.SetService(MeshTopology.Books, [slow.Endpoint()]);
        using var client = _mesh.HttpProxyClient();
        var inFlight = client.GetAsync("http://books.default:8080/");
        await Poll.UntilAsync(() => slow.App.Hits == 1, TimeSpan.FromSeconds(5), "the request to reach the app");
        var stopping = _mesh.Client.StopAsync();
        var response = await inFlight;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("slow", await response.Content.ReadAsStringAsync());
        await stopping;
    }

    [Fact]
    public async Task Admin_ReadyLiveConfigAndLoopbackShutdown()
    {
        using var admin = new HttpClient();
        var baseUri = $"http://{_mesh.Client.Admin}";
        Assert.Equal("ready\n", await admin.GetStringAsync($"{baseUri}/ready"));
        Assert.Equal("live\n", await admin.GetStringAsync($"{baseUri}/live"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await admin.GetAsync($"{baseUri}/shutdown")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"{baseUri}/nope")).StatusCode);
        Assert.Contains("mesh-proxy: ready", _mesh.ClientOutput.ToString());
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"{baseUri}/shutdown", null)).StatusCode);
        await _mesh.Client.Completion.WaitAsync(TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Ready_Is503WithTheReason_UntilDiscoveryAnswers()
    {
        var settings = MeshTopology.Settings(_mesh.Discovery, "late") with { ControlAddress = new Uri("http://127.0.0.1:1") };
        await using var proxy = await Mesh.Proxy.Hosting.ProxyHost.StartAsync(settings);
        using var admin = new HttpClient();
        var r = await admin.GetAsync($"http://{proxy.Admin}/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode);
        Assert.Contains("waiting for the inbound policy of default/late", await r.Content.ReadAsStringAsync());
    }
}
