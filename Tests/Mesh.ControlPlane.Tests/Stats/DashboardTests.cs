using System.Net;
using System.Text.Json;

namespace Mesh.ControlPlane.Tests.Stats;

[Collection(StatsHostCollection.Name)]
public sealed class DashboardTests(StatsHostFixture host)
{
    [Fact]
    public async Task Root_ServesPageFromOwnAssetsOnly()
    {
        using var response = await host.Admin.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("/dashboard/app.js", html);
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
        Assert.Contains("default-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Theory]
    [InlineData("/dashboard/app.js", "text/javascript")]
    [InlineData("/dashboard/app.css", "text/css")]
    [InlineData("/dashboard/favicon.svg", "image/svg+xml")]
    [InlineData("/favicon.ico", "image/svg+xml")]
    public async Task Asset_Known_ServedWithTypeAndRevalidatedByETag(string path, string type)
    {
        using var first = await host.Admin.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(type, first.Content.Headers.ContentType?.MediaType);
        var etag = first.Headers.ETag!;

        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.IfNoneMatch.Add(etag);
        using var second = await host.Admin.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
    }

    [Theory]
    [InlineData("/dashboard/nope.js")]
    [InlineData("/dashboard/..%2FMesh.Silo.csproj")]
    public async Task Asset_Unknown_404(string path)
    {
        using var response = await host.Admin.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Features_OptionalApisAbsent_ReportedFalse()
    {
        var features = JsonDocument.Parse(await host.Admin.GetStringAsync("/dashboard/features.json")).RootElement;
        Assert.False(features.GetProperty("describe").GetBoolean());
        Assert.False(features.GetProperty("identities").GetBoolean());
        Assert.False(features.GetProperty("clusters").GetBoolean());
    }
}
