using System.Net;
using System.Net.Sockets;
using System.Text;
using Mesh.Api.V1;
using Mesh.Proxy.Hosting;
using Mesh.Proxy.Tests.Infrastructure;

namespace Mesh.Proxy.Tests.Transport;

/// <summary>Hostile bytes from a raw TCP client (S4 of issue 10) on the outbound port (through both sidecars) and straight on
/// the inbound port, with a raw app recording what really arrives: hop-by-hop fields never cross a hop, a LF in a field is a
/// 400 at the first proxy, a client's broken chunked body is the client's 400 and never ejects the endpoint, a client's
/// own `mesh-target-port` is never forwarded.</summary>
[Trait("Category", "E2E")]
public sealed class HopHygieneTests : IAsyncLifetime
{
    private readonly RecordingApp _app = new();
    private MeshTopology _mesh = null!;
    private RunningProxy _books = null!;

    public async Task InitializeAsync()
    {
        _mesh = await MeshTopology.StartAsync();
        var policy = new InboundPolicy { Exists = true, DefaultPolicy = DefaultPolicy.AllUnauthenticated };
        policy.Ports["http"] = (uint)_app.Port;
        _books = await _mesh.AddSidecarAsync("books", policy);
        Serve(meshed: true);
    }

    public async Task DisposeAsync()
    {
        await _mesh.DisposeAsync();
        _app.Dispose();
    }

    private void Serve(bool meshed) => _mesh.Discovery.SetService(MeshTopology.Books,
    [
        new Api.V1.Endpoint
        {
            Key = $"127.0.0.1:{_app.Port}", Address = "127.0.0.1", Port = (uint)_app.Port, Weight = 1, Ready = true, Workload = "books",
            Identity = meshed ? "spiffe://cluster.local/ns/default/sa/books" : "", ProxyPort = meshed ? (uint)_books.Inbound.Port : 0,
            ProtocolHint = meshed ? ProtocolHint.H2 : ProtocolHint.Unknown,
        },
    ]);

    private IPEndPoint Port(string port) => port == "inbound" ? _books.Inbound : _mesh.Client.Outbound;

    public static TheoryData<string> Ports => ["outbound", "inbound"];

    [Theory]
    [MemberData(nameof(Ports))]
    public async Task ConnectionNamedFields_AreDroppedAtEachHop_BothWays(string port)
    {
        _app.ResponseHeaders = "Connection: x-app-secret\r\nx-app-secret: 1\r\nx-app-kept: 1\r\n";
        var answer = await RawTcp.ExchangeAsync(Port(port),
            "GET /hop HTTP/1.1\r\nHost: books.default:8080\r\nConnection: close, x-secret, Content-Length\r\nx-secret: s3cret\r\nx-kept: k\r\n\r\n",
            expectAtLeast: int.MaxValue);
        Assert.StartsWith("HTTP/1.1 200", answer);
        var head = Assert.Single(_app.Heads);
        Assert.Contains("x-kept: k", head, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("x-secret", head, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("x-app-kept: 1", answer, StringComparison.OrdinalIgnoreCase);
        Assert.False(answer.Contains("x-app-secret", StringComparison.OrdinalIgnoreCase), answer);
    }

    [Fact]
    public async Task SetCookie_FromTheApp_CrossesBothHopsAsSeparateFieldLines()
    {
        _app.ResponseHeaders = "Set-Cookie: a=1; Path=/\r\nSet-Cookie: b=2, c=3\r\n";
        var answer = await RawTcp.ExchangeAsync(_mesh.Client.Outbound, "GET /cookies HTTP/1.1\r\nHost: books.default:8080\r\nConnection: close\r\n\r\n",
            expectAtLeast: int.MaxValue);
        Assert.StartsWith("HTTP/1.1 200", answer);
        var cookies = answer.Split("\r\n").Where(l => l.StartsWith("set-cookie:", StringComparison.OrdinalIgnoreCase)).ToArray();
        Assert.Equal(["a=1; Path=/", "b=2, c=3"], cookies.Select(c => c[11..].Trim()));
    }

    [Theory]
    [MemberData(nameof(Ports))]
    public async Task BareLineFeedInAFieldValue_Is400AtTheFirstProxy_AndNothingReachesTheApp(string port)
    {
        var answer = await RawTcp.ExchangeAsync(Port(port),
            "GET /split HTTP/1.1\r\nHost: books.default:8080\r\nx-a: 1\nx-injected: 1\r\n\r\n", expectAtLeast: 12);
        Assert.StartsWith("HTTP/1.1 400", answer);
        await AssertServesAsync();
        Assert.DoesNotContain(_app.Heads, h => h.Contains("x-injected", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [MemberData(nameof(Ports))]
    public async Task LineFeedInAnHttp2FieldValue_Is400AtTheFirstProxy_AndNothingReachesTheApp(string port)
    {
        var answer = await RawH2.ExchangeAsync(Port(port), "GET", "/h2", MeshTopology.Books, ("x-a", "1\nx-injected: 1"));
        Assert.True(answer is H2Answer.Status400 or H2Answer.Reset, $"answered {answer}");
        await AssertServesAsync();
        Assert.DoesNotContain(_app.Heads, h => h.Contains("x-injected", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [MemberData(nameof(Ports))]
    public async Task MalformedChunkedBody_Is400NamingTheClient_AndNeverEjectsTheEndpoint(string port)
    {
        for (var i = 0; i < 10; i++)
        {
            var answer = await RawTcp.ExchangeAsync(Port(port),
                "POST /upload HTTP/1.1\r\nHost: books.default:8080\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", expectAtLeast: int.MaxValue);
            Assert.StartsWith("HTTP/1.1 400", answer);
            Assert.Contains("mesh-error: bad-request", answer, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("request body is malformed", answer, StringComparison.Ordinal);
            Assert.DoesNotContain("net_http", answer, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("outbound_endpoint_ejections_total{", await _mesh.Client.MetricsAsync());
        await AssertServesAsync();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ClientsOwnTargetPort_OnTheOutbound_IsNeverForwarded(bool meshed)
    {
        Serve(meshed);
        using var client = _mesh.OutboundClient();
        var request = MeshTopology.Get(MeshTopology.Books, "/port");
        request.Headers.TryAddWithoutValidation("mesh-target-port", _mesh.Client.Admin.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // Discovery may still be swapping the endpoint: wait for the one this case asked for to answer.
        await Poll.UntilAsync(async () =>
        {
            var r = await client.SendAsync(Clone(request));
            return r.StatusCode == HttpStatusCode.OK && _app.Heads.Count > 0;
        }, TimeSpan.FromSeconds(10), "the app through the outbound");
        Assert.All(_app.Heads, h => Assert.DoesNotContain("mesh-target-port", h, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>To a destination outside the mesh (an address no workload claims) the outbound forwards as it is, but
    /// with the same hop rules: the fields either side's `Connection` names and a client's own target port stay behind.</summary>
    [Fact]
    public async Task Passthrough_DropsConnectionNamedFieldsAndTheClientsTargetPort_BothWays()
    {
        _app.ResponseHeaders = "Connection: x-app-secret\r\nx-app-secret: 1\r\nx-app-kept: 1\r\n";
        var answer = await RawTcp.ExchangeAsync(_mesh.Client.Outbound,
            $"GET /passthrough HTTP/1.1\r\nHost: 127.0.0.1:{_app.Port}\r\nConnection: close, x-secret\r\nx-secret: s3cret\r\n" +
            $"mesh-target-port: {_mesh.Client.Admin.Port}\r\nx-kept: k\r\n\r\n",
            expectAtLeast: int.MaxValue);
        Assert.StartsWith("HTTP/1.1 200", answer);
        var head = Assert.Single(_app.Heads);
        Assert.Contains("GET /passthrough", head, StringComparison.Ordinal);
        Assert.Contains("x-kept: k", head, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("x-secret", head, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("mesh-target-port", head, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("x-app-kept: 1", answer, StringComparison.OrdinalIgnoreCase);
        Assert.False(answer.Contains("x-app-secret", StringComparison.OrdinalIgnoreCase), answer);
    }

    private static HttpRequestMessage Clone(HttpRequestMessage request)
    {
        var copy = new HttpRequestMessage(request.Method, request.RequestUri);
        foreach (var h in request.Headers) copy.Headers.TryAddWithoutValidation(h.Key, h.Value);
        return copy;
    }

    /// <summary>A clean request still goes through (the proxy stayed up and the endpoint is not ejected).</summary>
    private async Task AssertServesAsync()
    {
        using var client = _mesh.OutboundClient();
        var r = await client.SendAsync(MeshTopology.Get(MeshTopology.Books, "/clean"));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
    }
}
