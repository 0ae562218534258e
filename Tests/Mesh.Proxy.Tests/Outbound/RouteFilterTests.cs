using System.Net;
using Mesh.Api.V1;
using Mesh.Proxy.Tests.Infrastructure;
using MatchType = Mesh.Api.V1.MatchType;

namespace Mesh.Proxy.Tests.Outbound;

/// <summary>HTTPRoute filters applied by the outbound sidecar: header modifiers, URL rewrite, redirect.</summary>
[Trait("Category", "E2E")]
public sealed class RouteFilterTests : IAsyncLifetime
{
    private MeshTopology _mesh = null!;
    private MeshTopology.Server _books = null!;

    public async Task InitializeAsync()
    {
        _mesh = await MeshTopology.StartAsync();
        _books = await _mesh.AddServerAsync("books");
        _mesh.Discovery.SetService("books-backend.default:8080", [_books.Endpoint()]);
    }

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    private void Route(params RouteFilter[] filters)
    {
        var route = new Route { Name = "default/books/rule-0" };
        route.Matches.Add(new RouteMatch { Path = new StringMatch { Type = MatchType.Prefix, Value = "/api" } });
        route.Filters.AddRange(filters);
        route.Backends.Add(new Backend { Authority = "books-backend.default:8080", Weight = 1 });
        var profile = new ServiceProfile();
        profile.Routes.Add(route);
        _mesh.Discovery.SetService(MeshTopology.Books, [], profile);
    }

    [Fact]
    public async Task HeaderModifiersAndPrefixRewrite_ReachTheAppAndTheClient()
    {
        var request = new HeaderModifier();
        request.Set["x-env"] = "mesh";
        request.Remove.Add("x-secret");
        var response = new HeaderModifier();
        response.Add["x-served-by"] = "mesh-proxy";
        Route(new RouteFilter { RequestHeaderModifier = request }, new RouteFilter { ResponseHeaderModifier = response },
            new RouteFilter { UrlRewrite = new UrlRewrite { ReplacePrefixMatch = "/v2" } });
        using var client = _mesh.HttpProxyClient();
        var message = new HttpRequestMessage(HttpMethod.Get, "http://books.default:8080/api/shelf/1?x=y");
        message.Headers.Add("x-secret", "s3cret");
        var r = await client.SendAsync(message);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("mesh-proxy", r.Headers.GetValues("x-served-by").Single());
        Assert.Equal("/v2/shelf/1?x=y", _books.App.LastPath);
        Assert.Equal("mesh", _books.App.LastHeaders!["x-env"]);
        Assert.False(_books.App.LastHeaders.ContainsKey("x-secret"));
    }

    [Fact]
    public async Task RequestRedirect_AnswersWithLocation_WithoutCallingTheBackend()
    {
        Route(new RouteFilter { RequestRedirect = new RequestRedirect { Scheme = "https", Hostname = "books.example.com", StatusCode = 301 } });
        using var client = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy($"http://{_mesh.Client.Outbound}"), AllowAutoRedirect = false });
        var r = await client.GetAsync("http://books.default:8080/api/x");
        Assert.Equal(HttpStatusCode.MovedPermanently, r.StatusCode);
        Assert.Equal("https://books.example.com:8080/api/x", r.Headers.Location!.ToString());
        Assert.Equal(0, _books.App.Hits);
    }

    [Fact]
    public async Task RequestRedirect_ReplacePrefixMatch_ReplacesTheMatchedPrefixInLocation()
    {
        Route(new RouteFilter { RequestRedirect = new RequestRedirect { ReplacePrefixMatch = "/replacement-prefix", StatusCode = 301 } });
        using var client = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy($"http://{_mesh.Client.Outbound}"), AllowAutoRedirect = false });
        var r = await client.GetAsync("http://books.default:8080/api/lemon?x=1");
        Assert.Equal(HttpStatusCode.MovedPermanently, r.StatusCode);
        Assert.Equal("http://books.default:8080/replacement-prefix/lemon?x=1", r.Headers.Location!.ToString());
        var exact = await client.GetAsync("http://books.default:8080/api");
        Assert.Equal("http://books.default:8080/replacement-prefix", exact.Headers.Location!.ToString());
        Assert.Equal(0, _books.App.Hits);
    }

    [Fact]
    public async Task RequestHeaderModifierAdd_ToAHeaderTheClientSent_AppKeepsBothValuesInOrder()
    {
        var add = new HeaderModifier();
        add.Add["X-Header-Add"] = "add-appends-values";
        Route(new RouteFilter { RequestHeaderModifier = add });
        using var client = _mesh.HttpProxyClient();
        var message = new HttpRequestMessage(HttpMethod.Get, "http://books.default:8080/api/add");
        message.Headers.Add("X-Header-Add", "some-other-value");
        var r = await client.SendAsync(message);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var values = _books.App.LastHeaders!["x-header-add"].Split(',', StringSplitOptions.TrimEntries);
        Assert.Equal(["some-other-value", "add-appends-values"], values);
    }

    /// <summary>The upstream class reads the two values back as "some-other-value,add-appends-values" (its echo server
    /// joins separate field lines with ","): the values cross both hops joined by "," (Transport/RepeatedFields), never
    /// as HttpClient's ", " fold.</summary>
    [Fact]
    public async Task RequestHeaderModifierAdd_ToAHeaderTheClientSent_ReadsBackAsTheUpstreamSuiteExpects()
    {
        var add = new HeaderModifier();
        add.Add["X-Header-Add"] = "add-appends-values";
        Route(new RouteFilter { RequestHeaderModifier = add });
        using var client = _mesh.HttpProxyClient();
        var message = new HttpRequestMessage(HttpMethod.Get, "http://books.default:8080/api/add");
        message.Headers.Add("X-Header-Add", "some-other-value");
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(message)).StatusCode);
        Assert.Equal("some-other-value,add-appends-values", _books.App.LastHeaders!["x-header-add"]);
    }

    /// <summary>Two field lines of one name from the client (no filter) read back at the app as the client's values
    /// joined by ",", across both hops — not HttpClient's ", " fold.</summary>
    [Fact]
    public async Task RepeatedRequestFieldLines_NoFilter_ReadBackAsSentJoinedByComma()
    {
        Route();
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await socket.ConnectAsync(IPEndPoint.Parse(_mesh.Client.Outbound.ToString()!));
        await using var stream = new System.Net.Sockets.NetworkStream(socket, ownsSocket: false);
        var head = $"GET http://{MeshTopology.Books}/api/repeated HTTP/1.1\r\nHost: {MeshTopology.Books}\r\nX-Foo: a\r\nX-Foo: b\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head));
        using var reader = new StreamReader(stream);
        var status = await reader.ReadLineAsync();
        Assert.StartsWith("HTTP/1.1 200", status);
        Assert.Equal("a,b", _books.App.LastHeaders!["x-foo"]);
    }

    [Fact]
    public async Task NoRouteMatches_Returns404WithReason()
    {
        Route();
        using var client = _mesh.HttpProxyClient();
        var r = await client.GetAsync("http://books.default:8080/other");
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.Equal("no-route", r.Headers.GetValues("mesh-error").Single());
    }
}
