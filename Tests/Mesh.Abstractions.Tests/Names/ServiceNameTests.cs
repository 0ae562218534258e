using CsCheck;
using Mesh.Names;

namespace Mesh.Abstractions.Tests.Names;

public sealed class ServiceNameTests
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
        Assert.True(ServiceName.TryParse(text, defaultNs, out var parsedNs, out var parsedName));
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
    [InlineData("10.1:80", "default")]
    public void TryParse_NotAService_ReturnsFalse(string text, string? defaultNs) =>
        Assert.False(ServiceName.TryParse(text, defaultNs, out string _, out _));
    // Stricter than the stats' old parser, which dropped the port unread and trimmed any trailing dots.
    [Theory]
    [InlineData("books.default:abc")]
    [InlineData("books.default:0")]
    [InlineData("books.default.svc.cluster.local.")]
    [InlineData("books..")]
    public void TryParse_LenientBefore_NowRejected(string text) =>
        Assert.False(ServiceName.TryParse(text, "default", out string _, out _));

    [Fact]
    public void TryParse_FqdnKeyAndShortForms_SameService() =>
        Gen.Select(NameGen.Label, NameGen.Label, NameGen.Port).Sample((name, ns, port) =>
        {
            var service = new ServiceName(ns, name);
            return new[] { service.Fqdn(), $"{service.Fqdn("example.org")}:{port}", $"{name}.{ns}", $"{name}.{ns}.svc:{port}", $"{ns}/{name}", $"{name}:{port}" }
                .All(text => ServiceName.TryParse(text, ns, out ServiceName parsed) && parsed == service);
        });

    [Fact]
    public void TryParse_BadLabel_Rejected() =>
        Gen.Select(NameGen.Label, NameGen.BadLabel).Sample((good, bad) =>
            !ServiceName.TryParse($"{good}.{bad}", null, out ServiceName _) && !ServiceName.TryParse($"{bad}/{good}", null, out ServiceName _));

    [Fact]
    public void FormatFqdn_NameNsSvcClusterDomain() =>
        Assert.Equal("books.shop.svc.cluster.local", ServiceName.FormatFqdn("books", "shop"));
}
