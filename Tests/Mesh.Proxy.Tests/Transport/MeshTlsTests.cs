using System.Net;
using Mesh.Api.V1;
using Mesh.Proxy.Tests.Infrastructure;

namespace Mesh.Proxy.Tests.Transport;

/// <summary>The hop between sidecars over mesh mTLS: certificates from Certify, X25519MLKEM768, identities checked both ways.</summary>
[Trait("Category", "E2E")]
public sealed class MeshTlsTests : IAsyncLifetime
{
    private MeshTopology _mesh = null!;
    private MeshTopology.Server _books = null!;

    public async Task InitializeAsync()
    {
        _mesh = await MeshTopology.StartWithMeshTlsAsync();
        _books = await _mesh.AddServerAsync("books", new InboundPolicy { Exists = true, DefaultPolicy = DefaultPolicy.AllAuthenticated });
    }

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task Request_CrossesTheHopOverPostQuantumMtls_AndTheServerSeesTheClientIdentity()
    {
        _mesh.Discovery.SetService(MeshTopology.Books, [_books.Endpoint()]);
        using var client = _mesh.HttpProxyClient();
        var r = await client.GetAsync("http://books.default:8080/");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("books", await r.Content.ReadAsStringAsync());

        using var admin = new HttpClient();
        var serverMetrics = await admin.GetStringAsync($"http://{_books.Sidecar.Admin}/metrics");
        Assert.Contains("tls_info{group=\"X25519MLKEM768\"", serverMetrics);
        Assert.Contains("src_identity=\"spiffe://cluster.local/ns/default/sa/client\"", serverMetrics);
        Assert.Contains("identity_cert_expiration_timestamp_seconds", serverMetrics);
        var config = await admin.GetStringAsync($"http://{_mesh.Client.Admin}/config");
        Assert.Contains("\"connector\": \"mesh-tls\"", config);
    }

    [Fact]
    public async Task EndpointPresentingAnotherIdentity_IsRefused_With502()
    {
        var wrong = _books.Endpoint();
        wrong.Identity = "spiffe://cluster.local/ns/default/sa/not-books";
        _mesh.Discovery.SetService(MeshTopology.Books, [wrong]);
        using var client = _mesh.HttpProxyClient();
        var r = await client.GetAsync("http://books.default:8080/");
        Assert.Equal(HttpStatusCode.BadGateway, r.StatusCode);
        Assert.Equal(0, _books.App.Hits);
    }

    [Fact]
    public async Task PlaintextClient_OnAllAuthenticatedInbound_Gets403()
    {
        using var client = new HttpClient();
        var request = new HttpRequestMessage(HttpMethod.Get, $"http://{_books.Sidecar.Inbound}/");
        var r = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        Assert.Equal(0, _books.App.Hits);
    }
}
