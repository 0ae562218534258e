using System.Net;
using System.Text;
using System.Text.Json;
using Mesh.ControlPlane.Tests.Support;
using Mesh.Silo.Admin;
using Microsoft.AspNetCore.Http;

namespace Mesh.ControlPlane.Tests.Admin;

/// <summary>The admin port's DNS-rebinding and cross-origin guard: the rule on its own, then on a real silo.</summary>
[Collection(SiloCollection.Name)]
public sealed class AdminRequestGuardTests(SiloFixture silo)
{
    private const string Yaml = "apiVersion: v1\nkind: Service\nmetadata:\n  name: guarded\nspec:\n  ports:\n  - port: 8080\n";

    [Theory]
    [InlineData("127.0.0.1:8085", "127.0.0.1", true)]
    [InlineData("127.0.0.7", "127.0.0.1", true)]
    [InlineData("[::1]:8085", "127.0.0.1", true)]
    [InlineData("localhost:8085", "127.0.0.1", true)]
    [InlineData("LOCALHOST", "127.0.0.1", true)]
    [InlineData("dash.localhost:8085", "127.0.0.1", true)]
    [InlineData("10.1.2.3:8085", "10.1.2.3", true)]
    [InlineData("10.1.2.3:8085", "0.0.0.0", true)]
    [InlineData("10.1.2.3:8085", "127.0.0.1", false)]
    [InlineData("evil.example:8085", "127.0.0.1", false)]
    [InlineData("evil.example", "0.0.0.0", false)]
    [InlineData("localhost.evil.example", "127.0.0.1", false)]
    [InlineData("", "127.0.0.1", false)]
    public void HostAllowed_Host_OnlyLoopbackOrOwnAddress(string host, string admin, bool allowed) =>
        Assert.Equal(allowed, AdminRequestGuard.HostAllowed(new HostString(host), IPAddress.Parse(admin)));

    [Theory]
    [InlineData("POST", "http://127.0.0.1:8085", null, true)]
    [InlineData("POST", null, null, true)]
    [InlineData("POST", "http://evil.example", null, false)]
    [InlineData("POST", "http://127.0.0.1:9999", null, false)]
    [InlineData("POST", "null", null, false)]
    [InlineData("DELETE", "http://localhost:8085", null, false)]
    [InlineData("POST", null, "cross-site", false)]
    [InlineData("POST", null, "same-origin", true)]
    [InlineData("GET", "http://evil.example", "cross-site", true)]
    public void Refusal_WriteFromOrigin_RefusedUnlessSameOrigin(string method, string? origin, string? fetchSite, bool allowed)
    {
        var refusal = AdminRequestGuard.Refusal(method, new HostString("127.0.0.1:8085"), origin, fetchSite, IPAddress.Loopback);
        Assert.Equal(allowed, refusal is null);
    }

    [Fact]
    public async Task Request_RebindingHost_403NamingTheHost()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/resources/services");
        request.Headers.Host = $"evil.example:{silo.Host.AdminUri.Port}";
        var response = await silo.Admin.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var detail = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString();
        Assert.Contains("evil.example", detail);
        Assert.Contains("DNS-rebinding", detail);
    }

    [Fact]
    public async Task Apply_ForeignOrigin_403AndNothingWritten()
    {
        using var admin = silo.AuthorizedAdmin();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/apply?namespace=guardtest")
        {
            Content = new StringContent(Yaml, Encoding.UTF8, "application/yaml"),
        };
        request.Headers.Add("Origin", "http://evil.example");
        var response = await admin.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("cross-origin POST from Origin 'http://evil.example'", await response.Content.ReadAsStringAsync());
        Assert.Empty(await silo.Grains.GetGrain<Mesh.Abstractions.Grains.ICatalogGrain>("guardtest").ListAsync(null));
    }

    [Fact]
    public async Task Apply_SameOrigin_Accepted()
    {
        using var admin = silo.AuthorizedAdmin();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/apply?namespace=guardtest-ok")
        {
            Content = new StringContent(Yaml, Encoding.UTF8, "application/yaml"),
        };
        request.Headers.Add("Origin", silo.Host.AdminUri.GetLeftPart(UriPartial.Authority));
        var response = await admin.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Dashboard_SameOrigin_Served()
    {
        var page = await silo.Admin.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/stats/services");
        request.Headers.Add("Origin", silo.Host.AdminUri.GetLeftPart(UriPartial.Authority));
        request.Headers.Add("Sec-Fetch-Site", "same-origin");
        Assert.Equal(HttpStatusCode.OK, (await silo.Admin.SendAsync(request)).StatusCode);
    }
}
