using System.Net;
using Mesh.Api.V1;
using Authorization = Mesh.Api.V1.Authorization;
using Mesh.Proxy.Tests.Infrastructure;

namespace Mesh.Proxy.Tests.Inbound;

/// <summary>Inbound authorization and local rate limits, enforced by the server-side sidecar.</summary>
[Trait("Category", "E2E")]
public sealed class InboundPolicyTests : IAsyncLifetime
{
    private MeshTopology _mesh = null!;

    public async Task InitializeAsync() => _mesh = await MeshTopology.StartAsync();

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    private static InboundServer Server(string name, params Authorization[] authorizations)
    {
        var s = new InboundServer { Name = "default/" + name, ProxyProtocol = "HTTP/1" };
        s.Authorizations.AddRange(authorizations);
        return s;
    }

    private static Authorization FromNetwork(string cidr, params string[] except)
    {
        var network = new Network { Cidr = cidr };
        network.Except.AddRange(except);
        var a = new Authorization { Name = "default/from-" + cidr, RequireNetwork = true };
        a.Networks.Add(network);
        return a;
    }

    private async Task<(MeshTopology.Server Server, InboundPolicy Policy)> StartBooksAsync(Action<InboundPolicy, int> configure)
    {
        var policy = new InboundPolicy { Exists = true };
        // The app port is only known once the app runs: the policy is completed after the start, then re-sent.
        var books = await _mesh.AddServerAsync("books", policy);
        configure(policy, books.App.HttpPort);
        _mesh.Discovery.SetInbound("books", policy);
        _mesh.Discovery.SetService(MeshTopology.Books, [books.Endpoint()]);
        return (books, policy);
    }

    [Fact]
    public async Task ServerWithoutMatchingAuthorization_Returns403()
    {
        var (books, _) = await StartBooksAsync((p, port) =>
        {
            var s = Server("books-http", FromNetwork("10.0.0.0/8"));
            s.Port = (uint)port;
            p.Servers.Add(s);
        });
        using var client = _mesh.HttpProxyClient();
        await Poll.UntilAsync(async () => (await client.GetAsync("http://books.default:8080/")).StatusCode == HttpStatusCode.Forbidden,
            TimeSpan.FromSeconds(5), "the inbound policy to deny");
        var r = await client.GetAsync("http://books.default:8080/");
        Assert.Equal("unauthorized", r.Headers.GetValues("mesh-error").Single());
        Assert.Contains("not authorized for port", await r.Content.ReadAsStringAsync());
        using var admin = new HttpClient();
        Assert.Contains("inbound_http_authz_deny_total{srv_name=\"default/books-http\"}", await admin.GetStringAsync($"http://{books.Sidecar.Admin}/metrics"));
    }

    [Fact]
    public async Task NetworkAuthorizationWithLoopback_Allows_ButExceptDenies()
    {
        var (books, policy) = await StartBooksAsync((p, port) =>
        {
            var s = Server("books-http", FromNetwork("127.0.0.0/8"));
            s.Port = (uint)port;
            p.Servers.Add(s);
        });
        using var client = _mesh.HttpProxyClient();
        await Poll.UntilAsync(async () => (await client.GetAsync("http://books.default:8080/")).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(5), "the inbound policy to allow loopback");

        policy.Servers[0].Authorizations[0].Networks[0].Except.Add("127.0.0.1/32");
        _mesh.Discovery.SetInbound("books", policy);
        await Poll.UntilAsync(async () => (await client.GetAsync("http://books.default:8080/")).StatusCode == HttpStatusCode.Forbidden,
            TimeSpan.FromSeconds(5), "the except clause to deny 127.0.0.1");
    }

    [Fact]
    public async Task DefaultPolicyDeny_Returns403_AndAllAuthenticatedDeniesPlaintext()
    {
        var (_, policy) = await StartBooksAsync((p, _) => p.DefaultPolicy = DefaultPolicy.Deny);
        using var client = _mesh.HttpProxyClient();
        await Poll.UntilAsync(async () => (await client.GetAsync("http://books.default:8080/")).StatusCode == HttpStatusCode.Forbidden,
            TimeSpan.FromSeconds(5), "the default deny policy");
        policy.DefaultPolicy = DefaultPolicy.AllAuthenticated;
        _mesh.Discovery.SetInbound("books", policy);
        // The hop between sidecars is h2c until mesh TLS is configured: no identity, so all-authenticated denies.
        await Task.Delay(200);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("http://books.default:8080/")).StatusCode);
        policy.DefaultPolicy = DefaultPolicy.AllUnauthenticated;
        _mesh.Discovery.SetInbound("books", policy);
        await Poll.UntilAsync(async () => (await client.GetAsync("http://books.default:8080/")).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(5), "all-unauthenticated to allow");
    }

    [Fact]
    public async Task RateLimit_Returns429_OverTheTotalRate()
    {
        var (books, _) = await StartBooksAsync((p, port) =>
        {
            var s = Server("books-http", FromNetwork("0.0.0.0/0"));
            s.Port = (uint)port;
            s.RateLimit = new RateLimit { Name = "default/books-rl", TotalRps = 5 };
            p.Servers.Add(s);
        });
        using var client = _mesh.HttpProxyClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 30; i++) statuses.Add((await client.GetAsync("http://books.default:8080/")).StatusCode);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.Contains(HttpStatusCode.OK, statuses);
        Assert.InRange(statuses.Count(s => s == HttpStatusCode.OK), 1, 12);
        Assert.True(books.App.Hits <= 12);
    }
}
