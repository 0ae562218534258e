using System.Net;
using Mesh.Api.V1;
using Mesh.Proxy.Inbound;
using Mesh.Proxy.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Mesh.Proxy.Tests.Infrastructure;
using Authorization = Mesh.Api.V1.Authorization;

namespace Mesh.Proxy.Tests.Inbound;

/// <summary>The inbound's target port (mesh-target-port, the opaque transport header) under mesh mTLS: only ports the
/// workload declares, never the proxy's own, chosen only by an authenticated mesh peer, authorized for the port reached.
/// books declares its app (default, --app-addr), its gRPC port and "second"; "other" is another app on 127.0.0.1.</summary>
[Trait("Category", "E2E")]
public sealed class InboundTargetForwardingTests : IAsyncLifetime
{
    private const string ClientIdentity = "spiffe://cluster.local/ns/default/sa/client";
    private const string BooksIdentity = "spiffe://cluster.local/ns/default/sa/books";
    private MeshTopology _mesh = null!;
    private TestApp _books = null!, _second = null!, _other = null!;
    private RunningProxy _sidecar = null!;
    private InboundPolicy _policy = null!;

    public async Task InitializeAsync()
    {
        _mesh = await MeshTopology.StartWithMeshTlsAsync();
        _books = await TestApp.StartAsync("books");
        _second = await TestApp.StartAsync("second");
        _other = await TestApp.StartAsync("other");
        _policy = new InboundPolicy { Exists = true, DefaultPolicy = DefaultPolicy.AllUnauthenticated };
        _policy.Ports["http"] = (uint)_books.HttpPort;
        _policy.Ports["grpc"] = (uint)_books.GrpcPort;
        _policy.Ports["second"] = (uint)_second.HttpPort;
        _sidecar = await _mesh.AddSidecarAsync("books", _policy, s => s with { AppPort = _books.HttpPort });
    }

    public async Task DisposeAsync()
    {
        await _mesh.DisposeAsync();
        await _books.DisposeAsync();
        await _second.DisposeAsync();
        await _other.DisposeAsync();
    }

    /// <summary>A service whose endpoint is <paramref name="port"/> behind books' sidecar: the client sidecar sends the
    /// port as mesh-target-port (or in the transport header) over mTLS with its own identity.</summary>
    private void ServiceBehindBooks(string authority, int port, bool opaque = false) =>
        _mesh.Discovery.SetService(authority, [new Endpoint
        {
            Key = $"127.0.0.1:{port}", Address = "127.0.0.1", Port = (uint)port, Weight = 1, Identity = BooksIdentity,
            ProxyPort = (uint)_sidecar.Inbound.Port, ProtocolHint = opaque ? ProtocolHint.Opaque : ProtocolHint.H2, Workload = "books", Ready = true,
        }], new ServiceProfile { Opaque = opaque });

    /// <summary>A plaintext request straight to books' inbound port (no client certificate).</summary>
    private async Task<HttpResponseMessage> PlaintextAsync(HttpMethod method, string path, int? targetPort)
    {
        using var http = new HttpClient();
        var request = new HttpRequestMessage(method, $"http://{_sidecar.Inbound}{path}");
        if (targetPort is int p) request.Headers.Add("mesh-target-port", p.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return await http.SendAsync(request);
    }

    private async Task AssertStillUpAsync()
    {
        Assert.False(_sidecar.Completion.IsCompleted, "the sidecar stopped");
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://{_sidecar.Admin}/live")).StatusCode);
    }

    /// <summary>Publishes books' policy and waits until the sidecar enforces it (its Servers are in force).</summary>
    private async Task PublishAsync()
    {
        _mesh.Discovery.SetInbound("books", _policy);
        var discovery = _sidecar.Services.GetRequiredService<InboundPolicySource>();
        await Poll.UntilAsync(() => discovery.Policy.Servers.Count == _policy.Servers.Count &&
            discovery.Policy.Ports.Values.Distinct().Count() == _policy.Ports.Values.Distinct().Count() &&
            _policy.Servers.All(s => discovery.Policy.Servers.TryGetValue((int)s.Port, out var c) &&
                c.Authorizations.Sum(a => a.Identities.Length) == s.Authorizations.Sum(a => a.Identities.Count)),
            TimeSpan.FromSeconds(5), "books' sidecar to enforce the new policy");
    }

    private static InboundServer Server(string name, int port, Authorization authorization)
    {
        var s = new InboundServer { Name = "default/" + name, Port = (uint)port, ProxyProtocol = "unknown" };
        s.Authorizations.Add(authorization);
        return s;
    }

    private static Authorization Identities(string name, params string[] identities)
    {
        var a = new Authorization { Name = "default/" + name, RequireIdentity = true };
        a.Identities.AddRange(identities);
        return a;
    }

    [Fact]
    public async Task TargetPortHeader_PlaintextToTheProxysAdminPort_IsRefusedAndTheProxyStaysUp()
    {
        var shutdown = await PlaintextAsync(HttpMethod.Post, "/shutdown", _sidecar.Admin.Port);
        Assert.Equal(HttpStatusCode.Forbidden, shutdown.StatusCode);
        Assert.Equal("unauthorized", shutdown.Headers.GetValues("mesh-error").Single());
        var config = await PlaintextAsync(HttpMethod.Get, "/config", _sidecar.Admin.Port);
        Assert.Equal(HttpStatusCode.Forbidden, config.StatusCode);
        await AssertStillUpAsync();
    }

    [Fact]
    public async Task TargetPortHeader_FromAMeshPeerToTheProxysAdminPort_IsRefusedAndTheProxyStaysUp()
    {
        // Even an authenticated peer, and even if the workload declared it: the proxy's listeners are never a target.
        _policy.Ports["admin"] = (uint)_sidecar.Admin.Port;
        await PublishAsync();
        ServiceBehindBooks("books-admin.default:8080", _sidecar.Admin.Port);
        using var client = _mesh.HttpProxyClient();
        var r = await client.PostAsync("http://books-admin.default:8080/shutdown", null);
        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        Assert.Contains("proxy's own listener", await r.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("http://books-admin.default:8080/config")).StatusCode);
        await AssertStillUpAsync();
    }

    [Fact]
    public async Task TargetPortHeader_FromAMeshPeerToAnUndeclaredPort_IsRefused()
    {
        ServiceBehindBooks("other-via-books.default:8080", _other.HttpPort);
        using var client = _mesh.HttpProxyClient();
        var r = await client.GetAsync("http://other-via-books.default:8080/");
        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        Assert.Contains("not a port the workload declares", await r.Content.ReadAsStringAsync());
        Assert.Equal(0, _other.Hits);
    }

    [Fact]
    public async Task TargetPortHeader_Plaintext_IsNotHonoured_WithoutItTheDefaultAppPortIsReached()
    {
        var toSecond = await PlaintextAsync(HttpMethod.Get, "/", _second.HttpPort);
        Assert.Equal(HttpStatusCode.Forbidden, toSecond.StatusCode);
        Assert.Contains("unauthenticated client", await toSecond.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await PlaintextAsync(HttpMethod.Get, "/", _other.HttpPort)).StatusCode);
        Assert.Equal(0, _second.Hits);
        Assert.Equal(0, _other.Hits);

        var plain = await PlaintextAsync(HttpMethod.Get, "/", null);
        Assert.Equal("books", await plain.Content.ReadAsStringAsync());
        // Naming the default port changes nothing, so it is accepted.
        Assert.Equal("books", await (await PlaintextAsync(HttpMethod.Get, "/", _books.HttpPort)).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TargetPortHeader_FromAMeshPeerToADeclaredPort_IsAuthorizedForThatPort()
    {
        // Port A (books) admits everyone; port B (second) only identity x: the client (identity client) gets 403 on B.
        _policy.Servers.Add(Server("books-http", _books.HttpPort, new Authorization { Name = "default/anyone" }));
        _policy.Servers.Add(Server("second-http", _second.HttpPort, Identities("only-x", "spiffe://cluster.local/ns/default/sa/x")));
        await PublishAsync();
        ServiceBehindBooks("books.default:8080", _books.HttpPort);
        ServiceBehindBooks("second.default:8080", _second.HttpPort);
        using var client = _mesh.HttpProxyClient();
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("http://second.default:8080/")).StatusCode);
        Assert.Equal("books", await client.GetStringAsync("http://books.default:8080/"));
        Assert.Contains("inbound_http_authz_deny_total{srv_name=\"default/second-http\"}", await _sidecar.MetricsAsync());
        Assert.Equal(0, _second.Hits);

        _policy.Servers[1].Authorizations[0].Identities.Add(ClientIdentity);
        await PublishAsync();
        Assert.Equal("second", await client.GetStringAsync("http://second.default:8080/"));
    }

    private const string HttpGet = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

    [Fact]
    public async Task TransportHeader_PlaintextToTheProxysAdminOrADeclaredPort_IsRefused()
    {
        Assert.Equal("", await RawTcp.ExchangeAsync(_sidecar.Inbound, $"MESH-OPAQUE {_sidecar.Admin.Port}\r\nGET /config HTTP/1.1\r\nHost: x\r\n\r\n"));
        Assert.Equal("", await RawTcp.ExchangeAsync(_sidecar.Inbound, $"POST /shutdown HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".Insert(0, $"MESH-OPAQUE {_sidecar.Admin.Port}\r\n")));
        Assert.Equal("", await RawTcp.ExchangeAsync(_sidecar.Inbound, $"MESH-OPAQUE {_second.HttpPort}\r\n{HttpGet}"));
        Assert.Equal("", await RawTcp.ExchangeAsync(_sidecar.Inbound, $"MESH-OPAQUE {_other.HttpPort}\r\n{HttpGet}"));
        Assert.Equal(0, _second.Hits);
        Assert.Equal(0, _other.Hits);
        await AssertStillUpAsync();
        // The default port, plaintext, is as reachable as without a header (the default policy admits everyone).
        Assert.Contains("books", await RawTcp.ExchangeAsync(_sidecar.Inbound, $"MESH-OPAQUE {_books.HttpPort}\r\n{HttpGet}", 1000));
    }

    /// <summary>A CONNECT tunnel from the client sidecar (mesh mTLS + transport header to books' inbound), then an HTTP GET
    /// through it; returns what came back after the 200.</summary>
    private async Task<string> TunnelAsync(string authority)
    {
        const string established = "HTTP/1.1 200 Connection Established\r\n\r\n";
        var reply = await RawTcp.ExchangeAsync(_mesh.Client.Outbound, $"CONNECT {authority} HTTP/1.1\r\n\r\n", 1000, thenSend: HttpGet);
        Assert.StartsWith(established, reply);
        return reply[established.Length..];
    }

    [Fact]
    public async Task TransportHeader_FromAMeshPeer_OnlyDeclaredPortsAuthorizedForThePortReached()
    {
        _policy.Servers.Add(Server("books-http", _books.HttpPort, new Authorization { Name = "default/anyone" }));
        _policy.Servers.Add(Server("second-http", _second.HttpPort, Identities("only-x", "spiffe://cluster.local/ns/default/sa/x")));
        await PublishAsync();
        ServiceBehindBooks("books-tcp.default:5432", _books.HttpPort, opaque: true);
        ServiceBehindBooks("second-tcp.default:5432", _second.HttpPort, opaque: true);
        ServiceBehindBooks("other-tcp.default:5432", _other.HttpPort, opaque: true);
        ServiceBehindBooks("admin-tcp.default:5432", _sidecar.Admin.Port, opaque: true);

        Assert.Contains("books", await TunnelAsync("books-tcp.default:5432"));
        Assert.Equal("", await TunnelAsync("second-tcp.default:5432"));
        Assert.Equal("", await TunnelAsync("other-tcp.default:5432"));
        Assert.Equal("", await TunnelAsync("admin-tcp.default:5432"));
        Assert.Equal(0, _second.Hits);
        Assert.Equal(0, _other.Hits);
        await AssertStillUpAsync();
    }
}
