using Mesh.Proxy.Outbound;

namespace Mesh.Proxy.Tests.Outbound;

public sealed class AuthorityTests
{
    [Theory]
    [InlineData("10.0.0.5:8080", "10.0.0.5:8080")]
    [InlineData("127.0.0.1:7001", "127.0.0.1:7001")]
    [InlineData("[::1]:8080", "[::1]:8080")]
    public void TryParseAddress_IpAndPort_Endpoint(string authority, string expected)
    {
        Assert.True(Authority.TryParseAddress(authority, out var endpoint));
        Assert.Equal(expected, endpoint.ToString());
    }

    [Theory]
    [InlineData("books.default:8080")]
    [InlineData("1234:80")]
    [InlineData("10.1:80")]
    [InlineData("10.0.0.5:0")]
    [InlineData("10.0.0.5")]
    [InlineData("::1:80")]
    public void TryParseAddress_NamesAndMalformed_False(string authority) =>
        Assert.False(Authority.TryParseAddress(authority, out _));
}
