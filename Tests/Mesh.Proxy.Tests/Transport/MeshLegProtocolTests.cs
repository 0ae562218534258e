using System.Net;
using Mesh.Api.V1;
using Mesh.Proxy.Tests.Infrastructure;
using Mesh.Proxy.Transport;

namespace Mesh.Proxy.Tests.Transport;

/// <summary>The mesh leg's HTTP version picks the connection's ALPN: the outbound's client (the forwarder's handler over
/// <see cref="MeshTlsEndpointConnector"/>) sending an HTTP/1.1 request to a real sidecar's inbound gets an HTTP/1.1
/// connection (before, it offered only h2 and the peer's Kestrel answered 400 "HTTP/1.x request was sent to an HTTP/2
/// only endpoint"); an HTTP/2 request gets h2. Both with the client's identity verified by the inbound.</summary>
[Trait("Category", "E2E")]
public sealed class MeshLegProtocolTests : IAsyncLifetime
{
    private const string Client = "spiffe://cluster.local/ns/default/sa/client";
    private const string BooksIdentity = "spiffe://cluster.local/ns/default/sa/books";
    private MeshTopology _mesh = null!;
    private MeshTopology.Server _books = null!;

    public async Task InitializeAsync()
    {
        _mesh = await MeshTopology.StartWithMeshTlsAsync();
        _books = await _mesh.AddServerAsync("books", new InboundPolicy { Exists = true, DefaultPolicy = DefaultPolicy.AllAuthenticated });
    }

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 0)]
    public async Task RequestVersion_ChoosesTheAlpn_AndThePeerInboundServesIt(int major, int minor)
    {
        var version = new Version(major, minor);
        var connector = new MeshTlsEndpointConnector(MeshTlsPeer.Options(_mesh.Discovery.Ca!, Client));
        using var invoker = new HttpMessageInvoker(MeshForwarderHttpClientFactory.Create(connector));
        for (var i = 0; i < 2; i++)
        {
            // Twice: the second request reuses the pooled connection of the same version.
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{_books.Sidecar.Inbound}/") { Version = version, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            request.Headers.Host = MeshTopology.Books;
            request.Options.Set(MeshForwarderHttpClientFactory.ExpectedIdentity, BooksIdentity);
            using var response = await invoker.SendAsync(request, CancellationToken.None);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(version, response.Version);
            Assert.Equal("books", await response.Content.ReadAsStringAsync());
        }
        Assert.Equal(2, _books.App.Hits);
        using var admin = new HttpClient();
        Assert.Contains($"src_identity=\"{Client}\"", await admin.GetStringAsync($"http://{_books.Sidecar.Admin}/metrics"));
    }

    [Fact]
    public async Task Http11Leg_ToAPeerPresentingAnotherIdentity_IsRefused()
    {
        var connector = new MeshTlsEndpointConnector(MeshTlsPeer.Options(_mesh.Discovery.Ca!, Client));
        using var invoker = new HttpMessageInvoker(MeshForwarderHttpClientFactory.Create(connector));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{_books.Sidecar.Inbound}/") { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Headers.Host = MeshTopology.Books;
        request.Options.Set(MeshForwarderHttpClientFactory.ExpectedIdentity, "spiffe://cluster.local/ns/default/sa/not-books");
        await Assert.ThrowsAsync<HttpRequestException>(() => invoker.SendAsync(request, CancellationToken.None));
        Assert.Equal(0, _books.App.Hits);
    }
}
