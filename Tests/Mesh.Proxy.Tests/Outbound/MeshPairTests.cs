using System.Net;
using Grpc.Net.Client;
using Mesh.Api.V1;
using Mesh.Proxy.Tests.Infrastructure;

namespace Mesh.Proxy.Tests.Outbound;

/// <summary>Client → outbound sidecar → (h2c) → inbound sidecar → app, over real sockets.</summary>
public sealed class MeshPairTests : IAsyncLifetime
{
    private MeshTopology _mesh = null!;
    private MeshTopology.Server _books = null!;

    public async Task InitializeAsync()
    {
        _mesh = await MeshTopology.StartAsync();
        _books = await _mesh.AddServerAsync("books");
        _mesh.Discovery.SetService(MeshTopology.Books, [_books.Endpoint()]);
    }

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task Http11_AbsoluteForm_ReachesAppThroughBothSidecars()
    {
        using var client = _mesh.HttpProxyClient();
        var response = await client.GetAsync("http://books.default:8080/shelf?id=1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("books", await response.Content.ReadAsStringAsync());
        // The app saw HTTP/1.1 (downgraded by the inbound sidecar) and the original authority.
        Assert.Equal("HTTP/1.1", _books.App.LastProtocol);
        Assert.Equal("books.default:8080", _books.App.LastHeaders!["Host"]);
        Assert.False(_books.App.LastHeaders.ContainsKey("mesh-target-port"));
    }

    [Fact]
    public async Task Http11_OriginFormWithHost_ReachesApp()
    {
        using var client = _mesh.OutboundClient();
        var response = await client.SendAsync(MeshTopology.Get("books.default:8080", "/x"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("books", response.Headers.GetValues("x-app").Single());
    }

    [Fact]
    public async Task Http2PriorKnowledge_ReachesApp()
    {
        using var client = _mesh.OutboundClient();
        var response = await client.SendAsync(MeshTopology.Get("books.default:8080", "/h2", http2: true));
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("books", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Grpc_ThroughMeshPair_CallsTheApp()
    {
        _mesh.Discovery.SetService("reports.default:9090", [_books.Endpoint(grpc: true)]);
        var handler = new SocketsHttpHandler { UseProxy = false };
        using var channel = GrpcChannel.ForAddress($"http://{_mesh.Client.Outbound}", new GrpcChannelOptions { HttpHandler = new AuthorityHandler("reports.default:9090", handler) });
        var client = new Api.V1.Telemetry.TelemetryClient(channel);
        var ack = await client.ReportAsync(new StatsReport { ProxyId = "books" });
        Assert.True(ack.Duplicate);
        Assert.Equal(1, _books.App.GrpcCalls);
    }

    [Fact]
    public async Task TraceParent_IsForwardedToTheApp()
    {
        using var client = _mesh.OutboundClient();
        var request = MeshTopology.Get("books.default:8080", "/trace");
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(traceId, _books.App.LastHeaders!["traceparent"]);
    }

    [Fact]
    public async Task UnknownAuthority_Returns502WithReason()
    {
        using var client = _mesh.HttpProxyClient();
        var response = await client.GetAsync("http://nosuch.default:8080/");
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("unknown-service", response.Headers.GetValues("mesh-error").Single());
        Assert.Contains("service nosuch.default:8080: not found in the mesh; is it applied?", await response.Content.ReadAsStringAsync());
    }

    /// <summary>Puts the logical authority on every request, as an app calling the service by name would.</summary>
    private sealed class AuthorityHandler(string authority, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Host = authority;
            return base.SendAsync(request, cancellationToken);
        }
    }
}
