using Mesh.Abstractions.Stats;

namespace Mesh.ControlPlane.Tests.Stats;

public sealed class StatsNamesTests
{
    [Theory]
    [InlineData("books.default.svc.cluster.local:8080", null, "default", "books")]
    [InlineData("books.shop.svc.example.org", null, "shop", "books")]
    [InlineData("books.default:8080", null, "default", "books")]
    [InlineData("default/books", null, "default", "books")]
    [InlineData("books", "demo", "demo", "books")]
    [InlineData("books:80", "demo", "demo", "books")]
    public void TryParse_ServiceNames_GiveNamespaceAndName(string text, string? defaultNs, string ns, string name)
    {
        Assert.True(ServiceAuthority.TryParse(text, defaultNs, out var parsedNs, out var parsedName));
        Assert.Equal((ns, name), (parsedNs, parsedName));
    }

    [Theory]
    [InlineData("127.0.0.1:8080", "default")]
    [InlineData("[::1]:8080", "default")]
    [InlineData("localhost:8080", null)]
    [InlineData("example.com.evil:443", null)]
    [InlineData("", "default")]
    [InlineData("a/b/c", "default")]
    [InlineData("Books.default", null)]
    public void TryParse_NotAService_ReturnsFalse(string text, string? defaultNs) =>
        Assert.False(ServiceAuthority.TryParse(text, defaultNs, out _, out _));

    [Fact]
    public void Edge_KeyRoundTrips_AndUnmeshedSourceHasPlaceholder()
    {
        var key = StatsKeys.Edge("spiffe://cluster.local/ns/default/sa/web", "default/books");
        Assert.Equal("edge:spiffe://cluster.local/ns/default/sa/web->default/books", key);
        Assert.True(StatsKeys.TryParseEdge(key, out var src, out var dst));
        Assert.Equal(("spiffe://cluster.local/ns/default/sa/web", "default/books"), (src, dst));
        Assert.Equal("edge:unmeshed->default/web", StatsKeys.Edge("", "default/web"));
    }

    [Fact]
    public void Service_KeyRoundTrips()
    {
        Assert.True(StatsKeys.TryParseService(StatsKeys.Service("default", "books"), out var ns, out var name));
        Assert.Equal(("default", "books"), (ns, name));
        Assert.False(StatsKeys.TryParseService("edge:x->y", out _, out _));
    }

    [Theory]
    [InlineData("10s", 10)]
    [InlineData("1m", 60)]
    [InlineData("10m", 600)]
    [InlineData(null, 60)]
    public void TryParse_ValidWindows(string? text, int seconds)
    {
        Assert.True(StatsWindow.TryParse(text, out var window));
        Assert.Equal(TimeSpan.FromSeconds(seconds), window);
    }

    [Theory]
    [InlineData("5m")]
    [InlineData("1h")]
    [InlineData("-10s")]
    public void TryParse_InvalidWindow_ReturnsFalse(string text) => Assert.False(StatsWindow.TryParse(text, out _));
}
