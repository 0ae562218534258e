using System.Net;
using System.Net.Sockets;
using System.Text;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Hosting;
using Mesh.Proxy.Tests.Infrastructure;

namespace Mesh.Proxy.Tests.Hosting;

/// <summary>Garbage, slow clients, oversized headers and broken HTTP/2 prefaces on every port: rejected, counted, proxy stays up.</summary>
[Trait("Category", "E2E")]
public sealed class BadInputTests : IAsyncLifetime
{
    private FakeDiscoveryServer _discovery = null!;
    private RunningProxy _proxy = null!;

    public async Task InitializeAsync()
    {
        _discovery = await FakeDiscoveryServer.StartAsync();
        _discovery.SetInbound("books", new Api.V1.InboundPolicy { Exists = true });
        _proxy = await ProxyHost.StartAsync(MeshTopology.Settings(_discovery, "books") with { HeaderTimeout = TimeSpan.FromSeconds(1) });
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _discovery.DisposeAsync();
    }

    public static TheoryData<string> Ports => ["inbound", "outbound", "admin"];

    private IPEndPoint Port(string name) => name switch { "inbound" => _proxy.Inbound, "outbound" => _proxy.Outbound, _ => _proxy.Admin };

    private async Task AssertStillServesAsync()
    {
        using var http = new HttpClient();
        Assert.Equal("live\n", await http.GetStringAsync($"http://{_proxy.Admin}/live"));
        var request = MeshTopology.Get("nosuch.default:80", "/");
        var r = await new HttpClient { BaseAddress = new Uri($"http://{_proxy.Outbound}") }.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadGateway, r.StatusCode);
    }

    private static async Task<string> ExchangeAsync(IPEndPoint endPoint, byte[] payload, TimeSpan timeout)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint);
        await socket.SendAsync(payload);
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(timeout);
        var sb = new StringBuilder();
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, cts.Token);
                if (n == 0) break;
                sb.Append(Encoding.Latin1.GetString(buffer, 0, n));
            }
        }
        catch (OperationCanceledException) { sb.Append("<timeout>"); }
        catch (SocketException) { sb.Append("<reset>"); }
        return sb.ToString();
    }

    [Theory]
    [MemberData(nameof(Ports))]
    public async Task GarbageBytes_AreRejectedWith400OrClose_AndTheProxyStaysUp(string port)
    {
        var garbage = new byte[2048];
        new Random(7).NextBytes(garbage);
        garbage[0] = 0x16; // looks like a TLS record, is not
        var answer = await ExchangeAsync(Port(port), [.. garbage, .. "\r\n\r\n"u8], TimeSpan.FromSeconds(5));
        Assert.DoesNotContain("<timeout>", answer);
        Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 400", StringComparison.Ordinal) || answer == "<reset>", answer);
        await AssertStillServesAsync();
    }

    [Theory]
    [MemberData(nameof(Ports))]
    public async Task Slowloris_IsDisconnectedAfterTheHeaderTimeout_AndCounted(string port)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(Port(port));
        await socket.SendAsync("GET / HTTP/1.1\r\nHost: books.default:8080\r\n"u8.ToArray());
        var closed = false;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(8);
        var buffer = new byte[1024];
        while (DateTime.UtcNow < deadline && !closed)
        {
            try
            {
                await socket.SendAsync("X-Slow: 1\r\n"u8.ToArray());
                using var cts = new CancellationTokenSource(300);
                var n = await socket.ReceiveAsync(buffer, cts.Token);
                closed = n == 0 || Encoding.Latin1.GetString(buffer, 0, n).StartsWith("HTTP/1.1 408", StringComparison.Ordinal);
            }
            catch (OperationCanceledException) { }
            catch (SocketException) { closed = true; }
        }
        Assert.True(closed, "the slow client was not disconnected");
        await AssertStillServesAsync();
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync($"http://{_proxy.Admin}/metrics");
        Assert.Contains("kestrel_connection_duration", metrics);
    }

    [Theory]
    [MemberData(nameof(Ports))]
    public async Task SilentClient_IsDisconnected_AndCounted(string port)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(Port(port));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(8));
        var n = await socket.ReceiveAsync(new byte[64], cts.Token);
        Assert.True(n == 0 || n > 0);
        await AssertStillServesAsync();
        using var http = new HttpClient();
        Assert.Contains($"bad_input_total{{direction=\"{port}\",kind=\"detect-timeout\"}}", await http.GetStringAsync($"http://{_proxy.Admin}/metrics"));
    }

    [Theory]
    [MemberData(nameof(Ports))]
    public async Task OversizedHeaders_Return431(string port)
    {
        var big = new string('a', 40 * 1024);
        var answer = await ExchangeAsync(Port(port), Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: books.default:8080\r\nX-Big: {big}\r\n\r\n"), TimeSpan.FromSeconds(5));
        Assert.StartsWith("HTTP/1.1 431", answer);
        await AssertStillServesAsync();
    }

    [Theory]
    [InlineData("inbound")]
    [InlineData("outbound")]
    public async Task InvalidHttp2Preface_IsRejected_AndTheProxyStaysUp(string port)
    {
        // Starts like the HTTP/2 preface, then breaks off; and a valid preface followed by DATA instead of SETTINGS.
        var broken = await ExchangeAsync(Port(port), "PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n"u8.ToArray(), TimeSpan.FromSeconds(5));
        Assert.DoesNotContain("<timeout>", broken);
        var badFrame = await ExchangeAsync(Port(port), [.. "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8, 0, 0, 4, 0x0, 0, 0, 0, 0, 1, 1, 2, 3, 4], TimeSpan.FromSeconds(5));
        Assert.DoesNotContain("<timeout>", badFrame);
        await AssertStillServesAsync();
    }
}
