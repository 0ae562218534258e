using Mesh.Api.V1;
using Mesh.Proxy.Hosting;
using Mesh.Proxy.Tests.Infrastructure;

namespace Mesh.Proxy.Tests.Hosting;

/// <summary>The inbound side of opaque TCP: transport header → authorization → raw pipe to the app.</summary>
[Trait("Category", "E2E")]
public sealed class OpaqueTcpTests : IAsyncLifetime
{
    private FakeDiscoveryServer _discovery = null!;
    private RunningProxy _proxy = null!;
    private EchoServer _echo = null!;

    public async Task InitializeAsync()
    {
        _echo = new EchoServer();
        _discovery = await FakeDiscoveryServer.StartAsync();
        _discovery.SetInbound("db", Declaring(new InboundPolicy { Exists = true }));
        _proxy = await ProxyHost.StartAsync(MeshTopology.Settings(_discovery, "db"));
        await _proxy.Ready.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _discovery.DisposeAsync();
        _echo.Dispose();
    }

    /// <summary>The echo's port is the workload's: the inbound forwards only to declared ports.</summary>
    private InboundPolicy Declaring(InboundPolicy policy)
    {
        policy.Ports["tcp"] = (uint)_echo.Port;
        return policy;
    }

    private Task<string> SendAsync(string payload) =>
        RawTcp.ExchangeAsync(_proxy.Inbound, $"MESH-OPAQUE {_echo.Port}\r\n{payload}", payload.Length);

    [Fact]
    public async Task TransportHeader_PipesBytesToTheTargetPort_AndCountsThem()
    {
        Assert.Equal("ping over opaque tcp", await SendAsync("ping over opaque tcp"));
        await Poll.UntilAsync(async () => (await _proxy.MetricsAsync()).Contains("tcp_read_bytes_total{direction=\"inbound\"} 20"),
            TimeSpan.FromSeconds(5), "byte counters after the connection closed");
    }

    [Fact]
    public async Task TransportHeader_DeniedByPolicy_ClosesWithoutAByte()
    {
        _discovery.SetInbound("db", Declaring(new InboundPolicy { Exists = true, DefaultPolicy = DefaultPolicy.Deny }));
        await Poll.UntilAsync(async () => await SendAsync("x") == "", TimeSpan.FromSeconds(5), "the deny policy to refuse the connection");
    }

    [Fact]
    public async Task TransportHeader_WithoutAWorkload_FollowsTheConfiguredDefaultPolicy()
    {
        // No workload: no policy watch, so --default-inbound-policy decides, for opaque TCP as for HTTP.
        var settings = MeshTopology.Settings(_discovery, "") with { DefaultInboundPolicy = Mesh.Proxy.Configuration.DefaultInboundPolicy.Deny };
        await using var proxy = await ProxyHost.StartAsync(settings);
        await proxy.Ready.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("", await RawTcp.ExchangeAsync(proxy.Inbound, $"MESH-OPAQUE {_echo.Port}\r\nx", 1));
        Assert.Equal(0, _echo.Connections);
    }
}
