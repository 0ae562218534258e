using Mesh.Abstractions.Stats;

namespace Mesh.ControlPlane.Tests.Stats;

public sealed class StatsNamesTests
{
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
