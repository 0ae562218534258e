using System.Globalization;
using System.Net;
using CsCheck;
using Mesh.Names;

namespace Mesh.Abstractions.Tests.Names;

public sealed class AuthorityTests
{
    [Theory]
    [InlineData("books.default:8080", null, "books.default", 8080)]
    [InlineData("books", 80, "books", 80)]
    [InlineData("10.0.0.5:7001", null, "10.0.0.5", 7001)]
    [InlineData("[fd00::5]:8080", null, "fd00::5", 8080)]
    [InlineData("[fd00::5]", 80, "fd00::5", 80)]
    [InlineData("fd00::5", 80, "fd00::5", 80)]
    public void TryParse_HostAndPort_Split(string text, int? defaultPort, string host, int port)
    {
        Assert.True(Authority.TryParse(text, defaultPort, out var a, out var error), error);
        Assert.Equal(new Authority(host, port), a);
    }

    [Theory]
    [InlineData("", 80, "host is empty")]
    [InlineData(":80", 80, "host is empty")]
    [InlineData("books:0", 80, "port")]
    [InlineData("books:65536", 80, "port")]
    [InlineData("books:+80", 80, "port")]
    [InlineData("books: 80", 80, "port")]
    [InlineData("books:", 80, "port")]
    [InlineData("books", null, "no port")]
    [InlineData("fd00::5", null, "no port")]
    [InlineData("[fd00::5", 80, "without ']'")]
    [InlineData("[fd00::5]x", 80, "after ']'")]
    [InlineData("[books]:80", 80, "not an IPv6 address")]
    [InlineData("[10.0.0.5]:80", 80, "not an IPv6 address")]
    [InlineData("a:b:80", 80, "several ':'")]
    [InlineData("fd00::5]:80", 80, "several ':'")]
    public void TryParse_Malformed_ErrorSaysWhy(string text, int? defaultPort, string expected)
    {
        Assert.False(Authority.TryParse(text, defaultPort, out _, out var error));
        Assert.Contains(expected, error);
    }

    // The proxy's cases (Outbound/Authority.TryParseAddress): a normalized authority always has a port.
    [Theory]
    [InlineData("10.0.0.5:8080", "10.0.0.5:8080")]
    [InlineData("127.0.0.1:7001", "127.0.0.1:7001")]
    [InlineData("[::1]:8080", "[::1]:8080")]
    public void TryParseAddress_IpAndPort_Endpoint(string authority, string expected)
    {
        Assert.True(Authority.TryParseAddress(authority, null, out var endpoint));
        Assert.Equal(expected, endpoint.ToString());
    }

    [Theory]
    [InlineData("books.default:8080")]
    [InlineData("1234:80")]
    [InlineData("10.1:80")]
    [InlineData("010.0.0.5:80")] // IPAddress reads 8.0.0.5 (octal); the proxy's old parser forwarded there
    [InlineData("0x7f.0.0.1:80")]
    [InlineData("10.0.0.5:0")]
    [InlineData("10.0.0.5")]
    [InlineData("::1:80")]
    [InlineData("[10.0.0.5]:80")]
    public void TryParseAddress_NamesAndMalformed_False(string authority) =>
        Assert.False(Authority.TryParseAddress(authority, null, out _));

    // The silo's cases (Discovery/AddressAuthority): port 80 when absent, a bare IPv6 address without one.
    [Theory]
    [InlineData("10.0.0.5", "10.0.0.5:80")]
    [InlineData("fd00::5", "[fd00::5]:80")]
    [InlineData("[fd00::5]", "[fd00::5]:80")]
    public void TryParseAddress_DefaultPort_Endpoint(string authority, string expected)
    {
        Assert.True(Authority.TryParseAddress(authority, 80, out var endpoint));
        Assert.Equal(expected, endpoint.ToString());
    }

    [Fact]
    public void TryParseAddress_AnyIPv4AndPort_RoundTrips() =>
        Gen.Select(Gen.Int[0, 255].Array[4, 4], NameGen.Port).Sample((octets, port) =>
        {
            var text = $"{string.Join('.', octets)}:{port}";
            return Authority.TryParseAddress(text, null, out var endpoint) && endpoint.ToString() == text;
        });

    [Fact]
    public void TryParseAddress_AnyIPv6AndPort_RoundTrips() =>
        Gen.Select(Gen.Int[0, 255].Array[16, 16], NameGen.Port).Sample((bytes, port) =>
        {
            var expected = new IPEndPoint(new IPAddress(bytes.Select(b => (byte)b).ToArray()), port);
            return Authority.TryParseAddress(expected.ToString(), null, out var endpoint) && endpoint.Equals(expected);
        });

    [Fact]
    public void TryParse_HostAndBadPort_Rejected() =>
        Gen.Select(NameGen.Label, NameGen.BadPort).Sample((host, port) => !Authority.TryParse($"{host}:{port}", 80, out _, out var error) && error.Contains("port"));

    [Fact]
    public void ToString_TryParse_RoundTrips() =>
        Gen.Select(NameGen.Label, NameGen.Port).Sample((host, port) =>
            Authority.TryParse(new Authority(host, port).ToString(), null, out var a, out _) && a == new Authority(host, port));

    [Theory]
    [InlineData("Books.Default", false, false, "books.default:80")]
    [InlineData("books.default", false, true, "books.default:443")]
    [InlineData("Books:8080", true, false, "books:8080")]
    [InlineData("books:8080", true, false, "books:8080")]
    [InlineData("", false, false, "")]
    [InlineData("B\u212aoks", false, false, "b\u212aoks:80")]
    public void Normalize_LowercaseWithDefaultPort(string host, bool hasPort, bool https, string expected) =>
        Assert.Equal(expected, Authority.Normalize(host, hasPort, https));

    [Fact]
    public void Normalize_GeneratedHosts_LowercaseWithDefaultPort() =>
        Gen.Select(NameGen.Label, NameGen.Port).Sample((host, port) =>
        {
            var once = Authority.Normalize(host.ToUpperInvariant(), false);
            return once == host + ":80" && Authority.Normalize($"{host}:{port.ToString(CultureInfo.InvariantCulture)}", true) == $"{host}:{port}";
        });
}
