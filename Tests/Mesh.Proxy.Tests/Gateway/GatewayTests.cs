using System.Text.RegularExpressions;
using System.Net;
using Mesh.Api.V1;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Hosting;
using Mesh.Proxy.Tests.Infrastructure;

namespace Mesh.Proxy.Tests.Gateway;

/// <summary>Gateway mode (multicluster ingress): a client sidecar reaches a "mirror" service whose endpoint is the gateway
/// (identity checked, authority overridden to the real service); the gateway admits only mesh identities and exported
/// services, then routes, balances and sends over mTLS to the service's own sidecar.</summary>
[Trait("Category", "E2E")]
public sealed class GatewayTests : IAsyncLifetime
{
    private const string GatewayIdentity = "spiffe://cluster.local/ns/default/sa/gateway";
    private const string BooksCanonical = "books.default.svc.cluster.local:8080";
    private const string Mirror = "books-east.default:8080";
    private MeshTopology _mesh = null!;
    private MeshTopology.Server _books = null!;
    private RunningProxy _gateway = null!;

    public async Task InitializeAsync()
    {
        _mesh = await MeshTopology.StartWithMeshTlsAsync();
        _books = await _mesh.AddServerAsync("books", new InboundPolicy { Exists = true, DefaultPolicy = DefaultPolicy.AllAuthenticated });
        _gateway = await _mesh.AddSidecarAsync("gateway", new InboundPolicy { Exists = false },
            s => s with { Mode = ProxyMode.Gateway, DefaultInboundPolicy = DefaultInboundPolicy.AllAuthenticated });
        _mesh.Discovery.SetService(BooksCanonical, [_books.Endpoint()], new ServiceProfile { Exported = true });
        _mesh.Discovery.SetService(Mirror, [ViaGateway(8080, BooksCanonical)]);
    }

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    /// <summary>A mirror endpoint as federation will write it: the gateway's address and identity, the remote name.</summary>
    private Endpoint ViaGateway(int port, string remote, ProtocolHint hint = ProtocolHint.H2) => new()
    {
        Key = $"127.0.0.1:{port}", Address = "127.0.0.1", Port = (uint)port, Weight = 1, Identity = GatewayIdentity,
        ProxyPort = (uint)_gateway.Inbound.Port, ProtocolHint = hint, Workload = "gateway", Ready = true, AuthorityOverride = remote,
    };

    [Fact]
    public async Task MirrorService_ReachesTheExportedServiceThroughTheGateway_OverMtlsBothHops()
    {
        using var client = _mesh.HttpProxyClient();
        var r = await client.GetAsync($"http://{Mirror}/");
        Assert.True(r.StatusCode == HttpStatusCode.OK, await r.Content.ReadAsStringAsync());
        Assert.Equal("books", await r.Content.ReadAsStringAsync());
        // The client sidecar verified the gateway's identity; the books sidecar (all-authenticated) saw the gateway's.
        Assert.Contains($"dst_identity=\"{GatewayIdentity}\"", await _mesh.Client.MetricsAsync());
        Assert.Contains($"src_identity=\"{GatewayIdentity}\"", await _books.Sidecar.MetricsAsync());
        Assert.Matches($@"request_total\{{authority=""{Regex.Escape(BooksCanonical)}"",direction=""outbound""[^}}]*\}} 1\n", await _gateway.MetricsAsync());
    }

    [Fact]
    public async Task ServiceNotExported_IsRefusedWith403()
    {
        _mesh.Discovery.SetProfile(BooksCanonical, new ServiceProfile { Exported = false });
        using var client = _mesh.HttpProxyClient();
        await Poll.UntilAsync(async () => (await client.GetAsync($"http://{Mirror}/")).StatusCode == HttpStatusCode.Forbidden,
            TimeSpan.FromSeconds(5), "the gateway to refuse the unexported service");
        var r = await client.GetAsync($"http://{Mirror}/");
        Assert.Contains("not exported", await r.Content.ReadAsStringAsync());
        Assert.Equal(0, _books.App.Hits);
    }

    [Fact]
    public async Task UnknownService_Gets502FromTheGateway()
    {
        _mesh.Discovery.SetService("gone-east.default:8080", [ViaGateway(8080, "gone.default.svc.cluster.local:8080")]);
        using var client = _mesh.HttpProxyClient();
        var r = await client.GetAsync("http://gone-east.default:8080/");
        Assert.Equal(HttpStatusCode.BadGateway, r.StatusCode);
        Assert.Equal("unknown-service", r.Headers.GetValues("mesh-error").Single());
    }

    [Fact]
    public async Task PlaintextClient_IsRefused()
    {
        using var http = new HttpClient();
        var request = new HttpRequestMessage(HttpMethod.Get, $"http://{_gateway.Inbound}/");
        request.Headers.Host = BooksCanonical;
        var r = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        Assert.Contains("only mesh mTLS", await r.Content.ReadAsStringAsync());
        Assert.Equal(0, _books.App.Hits);
    }

    [Fact]
    public async Task OpaqueTcp_CrossesTheGatewayByTheAuthorityInTheTransportHeader()
    {
        using var echo = new EchoServer();
        var dbPolicy = new InboundPolicy { Exists = true, DefaultPolicy = DefaultPolicy.AllAuthenticated };
        dbPolicy.Ports["tcp"] = (uint)echo.Port;
        var db = await _mesh.AddSidecarAsync("db", dbPolicy);
        _mesh.Discovery.SetService("db.default.svc.cluster.local:5432", [new Endpoint
        {
            Key = $"127.0.0.1:{echo.Port}", Address = "127.0.0.1", Port = (uint)echo.Port, Weight = 1,
            Identity = "spiffe://cluster.local/ns/default/sa/db", ProxyPort = (uint)db.Inbound.Port,
            ProtocolHint = ProtocolHint.Opaque, Workload = "db", Ready = true,
        }], new ServiceProfile { Opaque = true, Exported = true });
        _mesh.Discovery.SetService("db-east.default:5432", [ViaGateway(5432, "db.default.svc.cluster.local:5432", ProtocolHint.Opaque)],
            new ServiceProfile { Opaque = true });

        const string expected = "HTTP/1.1 200 Connection Established\r\n\r\nacross clusters";
        var received = await RawTcp.ExchangeAsync(_mesh.Client.Outbound, "CONNECT db-east.default:5432 HTTP/1.1\r\n\r\nacross clusters", expected.Length);
        Assert.Equal(expected, received);
        var gatewayMetrics = await _gateway.MetricsAsync();
        Assert.True(gatewayMetrics.Contains("tcp_opaque_connections_total{direction=\"inbound\",reason=\"transport-header\"} 1"), string.Join("\n", gatewayMetrics.Split("\n").Where(l => l.StartsWith("tcp", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task TargetPortHeader_NamingTheGatewaysAdminPort_NeverReachesIt()
    {
        // Plaintext, no client certificate: refused before anything else, and the gateway stays up.
        using (var plain = new HttpClient())
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"http://{_gateway.Inbound}/shutdown");
            request.Headers.Add("mesh-target-port", _gateway.Admin.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(HttpStatusCode.Forbidden, (await plain.SendAsync(request)).StatusCode);
        }
        // A mesh peer whose endpoint names the gateway's admin port: the port is dropped, the authority decides.
        _mesh.Discovery.SetService("books-admin.default:8080", [ViaGateway(_gateway.Admin.Port, BooksCanonical)]);
        using var client = _mesh.HttpProxyClient();
        var r = await client.PostAsync("http://books-admin.default:8080/shutdown", null);
        Assert.Equal("books", await r.Content.ReadAsStringAsync());
        // An authority naming the admin listener is not an exported service.
        _mesh.Discovery.SetService("admin-east.default:8080", [ViaGateway(_gateway.Admin.Port, $"127.0.0.1:{_gateway.Admin.Port}")]);
        Assert.NotEqual(HttpStatusCode.Accepted, (await client.PostAsync("http://admin-east.default:8080/shutdown", null)).StatusCode);
        Assert.False(_gateway.Completion.IsCompleted, "the gateway stopped");
        using var admin = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"http://{_gateway.Admin}/live")).StatusCode);
    }
}
