using System.Net;
using System.Net.Sockets;
using System.Text;
using Mesh.Api.V1;
using Mesh.Proxy.Hosting;
using Mesh.Proxy.Tests.Infrastructure;

namespace Mesh.Proxy.Tests.Outbound;

/// <summary>Opaque TCP without transparent mode: an HTTP CONNECT to the outbound port tunnels raw bytes to a service,
/// over mesh mTLS to the endpoint's sidecar; bad CONNECTs get an HTTP error and the proxy carries on.</summary>
[Trait("Category", "E2E")]
public sealed class ConnectTunnelTests : IAsyncLifetime
{
    private const string Db = "db.default:5432";
    private readonly EchoServer _echo = new();
    private MeshTopology _mesh = null!;
    private RunningProxy _db = null!;

    public async Task InitializeAsync()
    {
        _mesh = await MeshTopology.StartWithMeshTlsAsync();
        // Only authenticated peers: the echo answers only if the tunnel arrived over mesh mTLS with the client's identity.
        var policy = new InboundPolicy { Exists = true, DefaultPolicy = DefaultPolicy.AllAuthenticated };
        policy.Ports["tcp"] = (uint)_echo.Port;
        _db = await _mesh.AddSidecarAsync("db", policy);
        _mesh.Discovery.SetService(Db, [new Endpoint
        {
            Key = $"127.0.0.1:{_echo.Port}", Address = "127.0.0.1", Port = (uint)_echo.Port, Weight = 1,
            Identity = "spiffe://cluster.local/ns/default/sa/db", ProxyPort = (uint)_db.Inbound.Port,
            ProtocolHint = ProtocolHint.Opaque, Workload = "db", Ready = true,
        }], new ServiceProfile { Opaque = true });
    }

    public async Task DisposeAsync()
    {
        await _mesh.DisposeAsync();
        _echo.Dispose();
    }

    /// <summary>Raw bytes to the client sidecar's outbound port.</summary>
    private Task<string> ExchangeAsync(string request, string? thenSend = null, int expectAtLeast = 1) =>
        RawTcp.ExchangeAsync(_mesh.Client.Outbound, request, expectAtLeast, thenSend);

    [Fact]
    public async Task Connect_ToMeshedService_TunnelsBytesOverMeshTls()
    {
        const string established = "HTTP/1.1 200 Connection Established\r\n\r\n";
        // Bytes sent right after the CONNECT head (before the 200) must not be lost.
        var reply = await ExchangeAsync($"CONNECT {Db} HTTP/1.1\r\nHost: {Db}\r\n\r\nearly ", thenSend: "late", expectAtLeast: established.Length + "early late".Length);
        Assert.True(reply == established + "early late", reply);

        Assert.Contains("tcp_opaque_connections_total{direction=\"outbound\",reason=\"connect\"} 1", await _mesh.Client.MetricsAsync());
        var server = await _db.MetricsAsync();
        Assert.Contains("tcp_opaque_connections_total{direction=\"inbound\",reason=\"transport-header\"} 1", server);
        Assert.Contains("tls_info{group=\"X25519MLKEM768\"", server);
    }

    [Fact]
    public async Task Connect_ClientCloses_TheAppConnectionBehindTheTunnelEndsToo()
    {
        var reply = await ExchangeAsync($"CONNECT {Db} HTTP/1.1\r\n\r\nbye", expectAtLeast: 41);
        Assert.EndsWith("bye", reply);
        // The client socket is closed now; mesh TLS cannot half-close, so the tunnel must close and the app see the end.
        await Poll.UntilAsync(() => _echo.Open == 0, TimeSpan.FromSeconds(10), "the echo app's connection to end");
    }

    [Fact]
    public async Task Connect_FromCurlThroughTheProxy_Works()
    {
        if (!File.Exists("/usr/bin/curl")) return;
        // curl -p (--proxytunnel) is what an application does for a TCP tunnel through an HTTP proxy.
        using var http = new TcpListener(IPAddress.Loopback, 0);
        http.Start();
        var port = ((IPEndPoint)http.LocalEndpoint).Port;
        _mesh.Discovery.SetService("web.default:80", [new Endpoint
        {
            Key = $"127.0.0.1:{port}", Address = "127.0.0.1", Port = (uint)port, Weight = 1, Workload = "web", Ready = true,
        }]);
        var serve = Task.Run(async () =>
        {
            using var c = await http.AcceptTcpClientAsync();
            var s = c.GetStream();
            var buffer = new byte[4096];
            var head = "";
            while (!head.Contains("\r\n\r\n", StringComparison.Ordinal)) head += Encoding.ASCII.GetString(buffer, 0, await s.ReadAsync(buffer));
            await s.WriteAsync("HTTP/1.1 200 OK\r\ncontent-length: 9\r\nconnection: close\r\n\r\ntunnelled"u8.ToArray());
        });
        var (code, output) = await ChildProcess.RunAsync("curl", "-s", "--max-time", "10", "-p", "-x", $"http://{_mesh.Client.Outbound}", "http://web.default:80/");
        await serve.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(code == 0, output);
        Assert.Equal("tunnelled", output);
    }

    [Fact]
    public async Task Connect_UnknownService_Gets502NamingIt()
    {
        var reply = await ExchangeAsync("CONNECT nowhere.default:5432 HTTP/1.1\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 502 Bad Gateway\r\n", reply);
        Assert.Contains("mesh-error: unknown-service", reply);
        Assert.Contains("nowhere.default:5432", reply);
    }

    [Fact]
    public async Task Connect_ServiceWithoutReadyEndpoints_Gets503()
    {
        _mesh.Discovery.SetService("empty.default:5432", []);
        var reply = await ExchangeAsync("CONNECT empty.default:5432 HTTP/1.1\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 503 Service Unavailable\r\n", reply);
        Assert.Contains("mesh-error: no-endpoints", reply);
    }

    [Theory]
    [InlineData("CONNECT /not-an-authority HTTP/1.1\r\n\r\n")]
    [InlineData("CONNECT db.default HTTP/1.1\r\n\r\n")]
    [InlineData("CONNECT db.default:99999 HTTP/1.1\r\n\r\n")]
    [InlineData("CONNECT user@db.default:5432 HTTP/1.1\r\n\r\n")]
    [InlineData("CONNECT db.default:5432\r\n\r\n")]
    public async Task Connect_Malformed_Gets400_AndTheProxyCarriesOn(string request)
    {
        var reply = await ExchangeAsync(request);
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", reply);
        Assert.Contains("authority-form", reply);
        Assert.Equal("HTTP/1.1 200 Connection Established\r\n\r\nok", await ExchangeAsync($"CONNECT {Db} HTTP/1.1\r\n\r\nok", expectAtLeast: 41));
        Assert.Contains("bad_input_total{direction=\"outbound\",kind=\"bad-connect\"}", await _mesh.Client.MetricsAsync());
    }

    [Fact]
    public async Task Connect_OversizedHead_Gets431()
    {
        var reply = await ExchangeAsync($"CONNECT {Db} HTTP/1.1\r\nX-Big: {new string('a', ProtocolDetection.MaxConnectHeadLength)}\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n", reply);
        Assert.Equal(0, _echo.Connections);
    }

    [Fact]
    public async Task HttpRequest_ToANameDiscoveryRejects_Gets502AtOnce()
    {
        // The silo answers InvalidArgument for names that can never be services; the proxy must not wait for discovery.
        _mesh.Discovery.Reject("www.example.com:80", "'www.example.com:80' is not a service name");
        using var client = _mesh.HttpProxyClient();
        var r = await client.GetAsync("http://www.example.com/");
        Assert.Equal(HttpStatusCode.BadGateway, r.StatusCode);
        Assert.Equal("unknown-service", r.Headers.GetValues("mesh-error").Single());
        Assert.Contains("not a service name", await r.Content.ReadAsStringAsync());
    }
}
