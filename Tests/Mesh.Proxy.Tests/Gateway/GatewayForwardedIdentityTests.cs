using System.Net;
using Mesh.Api.V1;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Hosting;
using Mesh.Proxy.Tests.Infrastructure;
using Authorization = Mesh.Api.V1.Authorization;

namespace Mesh.Proxy.Tests.Gateway;

/// <summary>A gateway forwards the caller's verified identity (mesh-forwarded-client-id) and books' inbound believes it
/// only from a gateway its Server lists in trustedGateways. Real sidecars, a real gateway and real mesh mTLS on
/// 127.0.0.1; the attacks are hand-made mTLS peers with leaves of the same CA (<see cref="MeshTlsPeer"/>).</summary>
[Trait("Category", "E2E")]
public sealed class GatewayForwardedIdentityTests : IAsyncLifetime
{
    private const string Header = "mesh-forwarded-client-id";
    private const string GatewayIdentity = "spiffe://cluster.local/ns/default/sa/gateway";
    private const string GatewayDns = "gateway.default.serviceaccount.identity.mesh.cluster.local";
    private const string ClientIdentity = "spiffe://cluster.local/ns/default/sa/client";
    private const string ClientDns = "client.default.serviceaccount.identity.mesh.cluster.local";
    private const string BooksIdentity = "spiffe://cluster.local/ns/default/sa/books";
    private const string WebIdentity = "spiffe://cluster.local/ns/default/sa/web";
    private const string AdminIdentity = "spiffe://cluster.local/ns/default/sa/admin";
    private const string BooksCanonical = "books.default.svc.cluster.local:8080";
    private const string Mirror = "books-east.default:8080";
    private MeshTopology _mesh = null!;
    private RunningProxy _gateway = null!;
    private TestApp _app = null!;
    private RunningProxy _books = null!;

    public async Task InitializeAsync()
    {
        _mesh = await MeshTopology.StartWithMeshTlsAsync();
        _app = await TestApp.StartAsync("books");
        _gateway = await _mesh.AddSidecarAsync("gateway", new InboundPolicy { Exists = false },
            s => s with { Mode = ProxyMode.Gateway, DefaultInboundPolicy = DefaultInboundPolicy.AllAuthenticated });
    }

    public async Task DisposeAsync()
    {
        await _mesh.DisposeAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Starts books' sidecar: one Server on the app's port admitting exactly <paramref name="allowed"/>, believing
    /// forwarded identities from <paramref name="trusted"/>; books is exported, books-east its mirror via the gateway.</summary>
    private async Task StartBooksAsync(string[] allowed, params string[] trusted)
    {
        var authz = new Authorization { Name = "default/allowed", RequireIdentity = true };
        authz.Identities.AddRange(allowed);
        var server = new InboundServer { Name = "default/books", Port = (uint)_app.HttpPort, ProxyProtocol = "unknown" };
        server.Authorizations.Add(authz);
        server.TrustedGateways.AddRange(trusted);
        var policy = new InboundPolicy { Exists = true, DefaultPolicy = DefaultPolicy.Deny };
        policy.Ports["http"] = (uint)_app.HttpPort;
        policy.Servers.Add(server);
        _books = await _mesh.AddSidecarAsync("books", policy, s => s with { AppPort = _app.HttpPort });
        _mesh.Discovery.SetService(BooksCanonical, [new Endpoint
        {
            Key = $"127.0.0.1:{_app.HttpPort}", Address = "127.0.0.1", Port = (uint)_app.HttpPort, Weight = 1, Identity = BooksIdentity,
            ProxyPort = (uint)_books.Inbound.Port, ProtocolHint = ProtocolHint.H2, Workload = "books", Ready = true,
        }], new ServiceProfile { Exported = true });
        _mesh.Discovery.SetService(Mirror, [new Endpoint
        {
            Key = "127.0.0.1:8080", Address = "127.0.0.1", Port = 8080, Weight = 1, Identity = GatewayIdentity,
            ProxyPort = (uint)_gateway.Inbound.Port, ProtocolHint = ProtocolHint.H2, Workload = "gateway", Ready = true, AuthorityOverride = BooksCanonical,
        }]);
    }

    /// <summary>The client sidecar's app calls the mirror, so the path is client → gateway → books, mTLS on both hops.</summary>
    private async Task<HttpResponseMessage> ViaGatewayAsync(string? claimed = null)
    {
        using var client = _mesh.HttpProxyClient();
        var request = new HttpRequestMessage(HttpMethod.Get, $"http://{Mirror}/");
        if (claimed is not null) request.Headers.TryAddWithoutValidation(Header, claimed);
        return await client.SendAsync(request);
    }

    /// <summary>A hand-made mTLS peer with <paramref name="identity"/> sending straight to <paramref name="proxy"/>'s inbound.</summary>
    private async Task<HttpResponseMessage> AsPeerAsync(string identity, RunningProxy proxy, string serverIdentity, string host, params string[] header)
    {
        using var peer = MeshTlsPeer.Create(_mesh.Discovery.Ca!, identity, serverIdentity);
        var request = new HttpRequestMessage(HttpMethod.Get, $"http://{proxy.Inbound}/") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Headers.Host = host;
        foreach (var value in header) request.Headers.TryAddWithoutValidation(Header, value);
        return await peer.SendAsync(request);
    }

    private static async Task AssertAllowedAsync(HttpResponseMessage r)
    {
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, $"{(int)r.StatusCode}: {body}");
        Assert.Equal("books", body);
    }

    private static async Task<string> AssertDeniedAsync(HttpResponseMessage r)
    {
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.Forbidden, $"{(int)r.StatusCode}: {body}");
        Assert.Equal("unauthorized", r.Headers.GetValues("mesh-error").Single());
        return body;
    }

    [Fact]
    public async Task TrustedGateway_ForwardsTheVerifiedCaller_PolicyNamingTheCallerAllows()
    {
        await StartBooksAsync([ClientIdentity], GatewayIdentity);

        await AssertAllowedAsync(await ViaGatewayAsync());

        // Books' labels name the caller; the gateway that vouched for it stays visible in its own counter.
        var metrics = await _books.MetricsAsync();
        Assert.Contains($"src_identity=\"{ClientIdentity}\"", metrics);
        Assert.Contains($"client_id=\"{ClientDns}\"", metrics);
        Assert.DoesNotContain($"src_identity=\"{GatewayIdentity}\"", metrics);
        Assert.Contains($"inbound_forwarded_identity_total{{client_id=\"{ClientDns}\",gateway_id=\"{GatewayDns}\",outcome=\"trusted\"}} 1", metrics);
        // The header is the mesh's own: the app never sees it.
        Assert.False(_app.LastHeaders!.ContainsKey(Header), string.Join(", ", _app.LastHeaders!.Keys));
    }

    [Fact]
    public async Task TrustedGateway_ForwardsTheVerifiedCaller_PolicyNamingOnlyTheGatewayDenies()
    {
        // The gateway's own identity is allowed, but the request is the client's: authorizing the gateway would make it a
        // confused deputy for every cluster behind it.
        await StartBooksAsync([GatewayIdentity], GatewayIdentity);

        var body = await AssertDeniedAsync(await ViaGatewayAsync());
        Assert.Contains($"{ClientIdentity} (forwarded by gateway {GatewayIdentity})", body);
        Assert.Equal(0, _app.Hits);
    }

    [Fact]
    public async Task TrustedGatewayInDnsForm_IsBelievedAsTheSpiffeId()
    {
        await StartBooksAsync([ClientIdentity], GatewayDns);
        await AssertAllowedAsync(await ViaGatewayAsync());
    }

    [Fact]
    public async Task GatewayNotListed_ForwardedIdentityIgnored_AuthorizedAsTheGateway()
    {
        await StartBooksAsync([ClientIdentity]);

        await AssertDeniedAsync(await ViaGatewayAsync());
        Assert.Contains($"inbound_forwarded_identity_total{{client_id=\"\",gateway_id=\"{GatewayDns}\",outcome=\"ignored\"}} 1", await _books.MetricsAsync());
        Assert.Equal(0, _app.Hits);
    }

    [Fact]
    public async Task CallerSendsTheHeaderToTheGateway_Dropped_TheGatewayVouchesOnlyForWhatMtlsVerified()
    {
        await StartBooksAsync([AdminIdentity], GatewayIdentity);

        // Straight to the gateway over mTLS as web, claiming to be admin.
        var body = await AssertDeniedAsync(await AsPeerAsync(WebIdentity, _gateway, GatewayIdentity, BooksCanonical, AdminIdentity));
        Assert.Contains($"{WebIdentity} (forwarded by gateway {GatewayIdentity})", body);
        // And through the client's sidecar, claiming the same.
        await AssertDeniedAsync(await ViaGatewayAsync(claimed: AdminIdentity));
        Assert.Equal(0, _app.Hits);
        // Denied because the gateway vouched for who mTLS verified (web, then client), not because two values arrived.
        var metrics = await _books.MetricsAsync();
        Assert.Contains($"inbound_forwarded_identity_total{{client_id=\"{ClientDns}\",gateway_id=\"{GatewayDns}\",outcome=\"trusted\"}} 1", metrics);
        Assert.DoesNotContain("outcome=\"malformed\"", metrics);
        Assert.DoesNotContain("client_id=\"admin.", metrics);
    }

    [Fact]
    public async Task NonGatewayPeer_SendingTheHeader_IsAuthorizedAsItsRealIdentity()
    {
        await StartBooksAsync([ClientIdentity], GatewayIdentity);

        // web is a mesh workload, but not a gateway books trusts: its claim to be client counts for nothing.
        var body = await AssertDeniedAsync(await AsPeerAsync(WebIdentity, _books, BooksIdentity, BooksCanonical, ClientIdentity));
        Assert.Contains($"inbound: {WebIdentity} from", body);
        var metrics = await _books.MetricsAsync();
        Assert.Contains($"src_identity=\"{WebIdentity}\"", metrics);
        Assert.DoesNotContain($"src_identity=\"{ClientIdentity}\"", metrics);
        Assert.Contains("gateway_id=\"web.default.serviceaccount.identity.mesh.cluster.local\",outcome=\"ignored\"", metrics);
        Assert.Equal(0, _app.Hits);
    }

    [Fact]
    public async Task PlaintextClient_SendingTheHeader_IsNotTrusted()
    {
        await StartBooksAsync([ClientIdentity], GatewayIdentity);
        using var http = new HttpClient();
        var request = new HttpRequestMessage(HttpMethod.Get, $"http://{_books.Inbound}/");
        request.Headers.TryAddWithoutValidation(Header, ClientIdentity);
        var body = await AssertDeniedAsync(await http.SendAsync(request));
        Assert.Contains("unauthenticated client", body);
        Assert.Equal(0, _app.Hits);
    }

    [Theory]
    [InlineData("client")]
    [InlineData("spiffe://cluster.local/ns/default/sa/")]
    [InlineData("*")]
    [InlineData(ClientDns)]
    [InlineData("")]
    [InlineData(ClientIdentity, WebIdentity)]
    public async Task TrustedGateway_MalformedForwardedIdentity_RefusedNotAuthorizedAsTheGateway(params string[] values)
    {
        // The gateway itself would be allowed: falling back to it would authorize a caller nobody verified.
        await StartBooksAsync([GatewayIdentity, ClientIdentity], GatewayIdentity);

        var body = await AssertDeniedAsync(await AsPeerAsync(GatewayIdentity, _books, BooksIdentity, BooksCanonical, values));
        Assert.Contains($"gateway {GatewayIdentity} forwarded a malformed client identity", body);
        Assert.Contains($"gateway_id=\"{GatewayDns}\",outcome=\"malformed\"", await _books.MetricsAsync());
        Assert.Equal(0, _app.Hits);
    }

    [Fact]
    public async Task TrustedGateway_NoHeader_IsAuthorizedAsItself()
    {
        await StartBooksAsync([ClientIdentity], GatewayIdentity);
        await AssertDeniedAsync(await AsPeerAsync(GatewayIdentity, _books, BooksIdentity, BooksCanonical));
        Assert.DoesNotContain("inbound_forwarded_identity_total", await _books.MetricsAsync());
    }

    [Fact]
    public async Task LocalProcessOnTheGatewaysOutboundPort_CannotBorrowItsIdentityToClaimAnother()
    {
        await StartBooksAsync([ClientIdentity], GatewayIdentity);

        // Anything on the gateway's loopback may use its outbound port, which sends as the gateway; the header must not
        // ride along, or that process could be any client it names.
        using var local = new HttpClient();
        var request = new HttpRequestMessage(HttpMethod.Get, $"http://{_gateway.Outbound}/");
        request.Headers.Host = BooksCanonical;
        request.Headers.TryAddWithoutValidation(Header, ClientIdentity);
        var body = await AssertDeniedAsync(await local.SendAsync(request));
        Assert.Contains($"inbound: {GatewayIdentity} from", body);
        Assert.DoesNotContain("inbound_forwarded_identity_total", await _books.MetricsAsync());
        Assert.Equal(0, _app.Hits);
    }
}
