using System.Net;
using Mesh.Api.V1;
using Mesh.Proxy.Tests.Infrastructure;

namespace Mesh.Proxy.Tests.Outbound;

/// <summary>A request to an address instead of a service name (MeshBasic's own-address case, `http://&lt;pod ip&gt;:8080/`
/// through the sidecar): meshed when discovery by address finds a workload there, forwarded as it is otherwise.</summary>
[Trait("Category", "E2E")]
public sealed class AddressRoutingTests : IAsyncLifetime
{
    private MeshTopology _mesh = null!;
    private MeshTopology.Server _books = null!;

    public async Task InitializeAsync()
    {
        _mesh = await MeshTopology.StartAsync();
        _books = await _mesh.AddServerAsync("books");
    }

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task AddressOfAKnownWorkload_GoesThroughItsSidecar()
    {
        var endpoint = _books.Endpoint();
        _mesh.Discovery.SetService(_books.Key, [endpoint]);
        using var client = _mesh.HttpProxyClient();
        var r = await client.GetAsync($"http://{_books.Key}/own-address");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("books", await r.Content.ReadAsStringAsync());
        // It crossed the hop: the books sidecar counted an inbound request, and the app saw HTTP/1.1 from its sidecar.
        Assert.Contains("direction=\"inbound\"", await _books.Sidecar.MetricsAsync());
        Assert.Equal("/own-address", _books.App.LastPath);
    }

    [Fact]
    public async Task AddressNoWorkloadClaims_IsForwardedAsItIs()
    {
        // Unset in the fake silo: exists=false, what the silo answers for an address no workload claims.
        using var client = _mesh.HttpProxyClient();
        var r = await client.GetAsync($"http://{_books.Key}/direct");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("books", await r.Content.ReadAsStringAsync());
        Assert.Equal("/direct", _books.App.LastPath);
        Assert.DoesNotContain("direction=\"inbound\"", await _books.Sidecar.MetricsAsync());
    }

    [Fact]
    public async Task ThisProxysOwnOutboundAddress_IsRefusedNotLooped()
    {
        var self = $"127.0.0.1:{_mesh.Client.Outbound.Port}";
        using var client = _mesh.HttpProxyClient();
        var r = await client.GetAsync($"http://{self}/");
        Assert.Equal(HttpStatusCode.BadGateway, r.StatusCode);
        Assert.Equal("unknown-service", r.Headers.GetValues("mesh-error").Single());
    }
}
