using Mesh.Api.V1;
using Mesh.Proxy.Outbound;
using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Tests.Outbound;

/// <summary>Gateway API filters as the outbound applies them (cases from the HTTPRoute/GAMMA conformance classes:
/// RequestHeaderModifier, HTTPRouteRewritePath, HTTPRouteRedirectPath / host / port / scheme / status).</summary>
public sealed class CompiledFiltersTests
{
    private static CompiledFilters Filters(params RouteFilter[] filters) => CompiledFilters.From(filters);

    private static HttpRequest Request(string path, string host = "echo.default:80", string query = "")
    {
        var context = new DefaultHttpContext();
        context.Request.Scheme = "http";
        context.Request.Host = new HostString(host);
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query);
        return context.Request;
    }

    [Fact]
    public void ApplyRequest_AddToAHeaderTheClientSent_AppendsASeparateValue()
    {
        var add = new HeaderModifier();
        add.Add["X-Header-Add"] = "add-appends-values";
        var message = new HttpRequestMessage(HttpMethod.Get, "http://echo/add");
        message.Headers.TryAddWithoutValidation("x-header-add", "some-other-value");

        Filters(new RouteFilter { RequestHeaderModifier = add }).ApplyRequest(message, null);

        Assert.Equal(["some-other-value", "add-appends-values"], message.Headers.GetValues("x-header-add"));
    }

    [Fact]
    public void ApplyRequest_SetRemoveAndAdd_FollowTheSpec()
    {
        var m = new HeaderModifier();
        m.Set["X-Header-Set"] = "set-overwrites-values";
        m.Add["X-Header-Add-1"] = "header-add-1";
        m.Remove.Add("X-Header-Remove");
        var message = new HttpRequestMessage(HttpMethod.Get, "http://echo/");
        message.Headers.TryAddWithoutValidation("x-header-set", ["some-other-value", "second"]);
        message.Headers.TryAddWithoutValidation("x-header-remove", "val");

        Filters(new RouteFilter { RequestHeaderModifier = m }).ApplyRequest(message, null);

        Assert.Equal(["set-overwrites-values"], message.Headers.GetValues("x-header-set"));
        Assert.Equal(["header-add-1"], message.Headers.GetValues("x-header-add-1"));
        Assert.False(message.Headers.Contains("x-header-remove"));
    }

    [Theory]
    // HTTPRouteRewritePath and the spec's HTTPPathModifier table: segment boundaries and trailing slashes.
    [InlineData("/prefix/one", "/prefix/one/two", "/one", "/one/two")]
    [InlineData("/strip-prefix", "/strip-prefix/three", "/", "/three")]
    [InlineData("/strip-prefix", "/strip-prefix", "/", "/")]
    [InlineData("/strip-prefix", "/strip-prefix/", "/", "/")]
    [InlineData("/foo", "/foo/bar", "/xyz/", "/xyz/bar")]
    [InlineData("/foo/", "/foo/bar", "/xyz", "/xyz/bar")]
    [InlineData("/foo", "/foo", "/xyz", "/xyz")]
    [InlineData("/foo", "/foo/", "/xyz", "/xyz/")]
    [InlineData("/", "/a/b", "/xyz", "/xyz/a/b")]
    [InlineData("/foo", "/foobar", "/xyz", "/foobar")]
    public void ReplacePrefix_OnSegmentBoundaries_ReplacesOnlyThePrefix(string prefix, string path, string replacement, string expected) =>
        Assert.Equal(expected, CompiledFilters.ReplacePrefix(path, prefix, replacement));

    [Fact]
    public void ReplacePrefix_NoPrefixMatched_KeepsThePath() =>
        Assert.Equal("/exact/a", CompiledFilters.ReplacePrefix("/exact/a", null, "/x"));

    [Theory]
    // MeshHTTPRouteRedirectPath: ReplacePrefixMatch, ReplaceFullPath, each with host or status.
    [InlineData("/original-prefix", "/original-prefix/lemon", "", "/replacement-prefix", "", 0, 302, "http://echo.default/replacement-prefix/lemon")]
    [InlineData("/full", "/full/path/original", "/full-path-replacement", "", "", 0, 302, "http://echo.default/full-path-replacement")]
    [InlineData("/path-and-host", "/path-and-host", "", "/replacement-prefix", "example.org", 0, 302, "http://example.org/replacement-prefix")]
    [InlineData("/path-and-status", "/path-and-status", "", "/replacement-prefix", "", 301, 301, "http://echo.default/replacement-prefix")]
    [InlineData("/full-path-and-host", "/full-path-and-host", "/replacement-full", "", "example.org", 0, 302, "http://example.org/replacement-full")]
    [InlineData("/full-path-and-status", "/full-path-and-status", "/replacement-full", "", "", 301, 301, "http://echo.default/replacement-full")]
    public void RedirectFor_PathModifiers_GiveTheSpecsLocation(string prefix, string path, string full, string replacePrefix, string host, int status, int expectedStatus, string expected)
    {
        var redirect = new RequestRedirect { Path = full, ReplacePrefixMatch = replacePrefix, Hostname = host, StatusCode = (uint)status };
        var (code, location) = Filters(new RouteFilter { RequestRedirect = redirect }).RedirectFor(Request(path), prefix);
        Assert.Equal(expectedStatus, code);
        Assert.Equal(expected, location);
    }

    [Fact]
    public void RedirectFor_SchemePortAndQuery_AreKeptOrReplaced()
    {
        var redirect = new RequestRedirect { Scheme = "https", Port = 8443 };
        var (code, location) = Filters(new RouteFilter { RequestRedirect = redirect }).RedirectFor(Request("/a", "echo.default:8080", "?q=1"));
        Assert.Equal(302, code);
        Assert.Equal("https://echo.default:8443/a?q=1", location);
    }
}
