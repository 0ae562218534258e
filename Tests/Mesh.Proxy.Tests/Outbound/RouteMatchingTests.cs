using Mesh.Api.V1;
using Mesh.Proxy.Outbound;
using Microsoft.AspNetCore.Http;
using MatchType = Mesh.Api.V1.MatchType;

namespace Mesh.Proxy.Tests.Outbound;

public sealed class RouteMatchingTests
{
    private static HttpRequest Request(string method, string path, string query = "", params (string, string)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query);
        foreach (var (k, v) in headers) context.Request.Headers[k] = v;
        return context.Request;
    }

    private static Route HttpRoute(string name, string backend, params RouteMatch[] matches)
    {
        var r = new Route { Name = name };
        r.Matches.AddRange(matches);
        r.Backends.Add(new Backend { Authority = backend, Weight = 1 });
        return r;
    }

    private static CompiledProfile Compile(params Route[] routes)
    {
        var p = new ServiceProfile();
        p.Routes.AddRange(routes);
        return CompiledProfile.Compile("books.default.svc.cluster.local:8080", p);
    }

    [Fact]
    public void Match_RoutesInPrecedenceOrder_FirstMatchWins()
    {
        var profile = Compile(
            HttpRoute("exact", "exact:80", new RouteMatch { Path = new StringMatch { Type = MatchType.Exact, Value = "/books/1" } }),
            HttpRoute("prefix", "prefix:80", new RouteMatch { Path = new StringMatch { Type = MatchType.Prefix, Value = "/books" } }),
            HttpRoute("all", "all:80"));
        Assert.Equal("exact", profile.Match(Request("GET", "/books/1"))!.Name);
        Assert.Equal("prefix", profile.Match(Request("GET", "/books/2"))!.Name);
        Assert.Equal("all", profile.Match(Request("GET", "/authors"))!.Name);
    }

    [Theory]
    [InlineData("/books", true)]
    [InlineData("/books/", true)]
    [InlineData("/books/x/y", true)]
    [InlineData("/booksellers", false)]
    [InlineData("/", false)]
    public void PathPrefix_IsSegmentWise(string path, bool matches)
    {
        var profile = Compile(HttpRoute("prefix", "b:80", new RouteMatch { Path = new StringMatch { Type = MatchType.Prefix, Value = "/books/" } }));
        Assert.Equal(matches, profile.Match(Request("GET", path)) is not null);
    }

    [Fact]
    public void Match_HeadersMethodAndQuery_AllMustHold()
    {
        var m = new RouteMatch { Method = "POST" };
        m.Headers.Add(new HeaderMatch { Name = "x-canary", Value = new StringMatch { Type = MatchType.Exact, Value = "1" } });
        m.QueryParams.Add(new HeaderMatch { Name = "v", Value = new StringMatch { Type = MatchType.Regex, Value = "[0-9]+" } });
        var profile = Compile(HttpRoute("canary", "canary:80", m));
        Assert.NotNull(profile.Match(Request("POST", "/", "?v=12", ("x-canary", "1"))));
        Assert.Null(profile.Match(Request("GET", "/", "?v=12", ("x-canary", "1"))));
        Assert.Null(profile.Match(Request("POST", "/", "?v=abc", ("x-canary", "1"))));
        Assert.Null(profile.Match(Request("POST", "/", "?v=12", ("x-canary", "2"))));
    }

    [Fact]
    public void Match_GrpcServiceAndMethod_ComparesThePathParts()
    {
        var profile = Compile(HttpRoute("grpc", "g:80", new RouteMatch { GrpcService = "mesh.v1.Telemetry", GrpcMethod = "Report" }));
        Assert.NotNull(profile.Match(Request("POST", "/mesh.v1.Telemetry/Report")));
        Assert.Null(profile.Match(Request("POST", "/mesh.v1.Telemetry/Other")));
        Assert.Null(profile.Match(Request("POST", "/mesh.v1.Discovery/Report")));
    }

    [Fact]
    public void Compile_NoRoutes_OneDefaultRouteToTheServiceItself()
    {
        var profile = CompiledProfile.Compile("books.default.svc.cluster.local:8080", new ServiceProfile());
        var route = Assert.Single(profile.Routes);
        Assert.Equal("default", route.Name);
        Assert.Equal("books.default.svc.cluster.local:8080", route.PickBackend()!.Authority);
    }

    [Fact]
    public void PickBackend_Weights_SplitByCumulativeShare()
    {
        var r = new Route { Name = "split" };
        r.Backends.Add(new Backend { Authority = "v1:80", Weight = 90 });
        r.Backends.Add(new Backend { Authority = "v2:80", Weight = 10 });
        r.Backends.Add(new Backend { Authority = "off:80", Weight = 0 });
        var route = Compile(r).Routes[0];
        Assert.Equal(90, Enumerable.Range(0, 100).Count(i => route.PickBackend(i)!.Authority == "v1:80"));
        Assert.Equal(10, Enumerable.Range(0, 100).Count(i => route.PickBackend(i)!.Authority == "v2:80"));
    }

    [Fact]
    public void PickBackend_AllWeightsZero_ReturnsNull()
    {
        var r = new Route { Name = "off" };
        r.Backends.Add(new Backend { Authority = "v1:80", Weight = 0 });
        Assert.Null(Compile(r).Routes[0].PickBackend());
    }

    [Theory]
    [InlineData("5xx", 500, true)]
    [InlineData("5xx", 599, true)]
    [InlineData("5xx", 404, false)]
    [InlineData("gateway-error", 503, true)]
    [InlineData("gateway-error", 500, false)]
    [InlineData("500-502", 501, true)]
    [InlineData("429", 429, true)]
    public void RetrySettings_Conditions_SelectStatuses(string condition, int status, bool retryable)
    {
        var policy = new RetryPolicy();
        policy.Conditions.Add(condition);
        Assert.Equal(retryable, Mesh.Proxy.Outbound.Resilience.RetrySettings.From(policy).IsRetryableStatus(status));
    }
}
