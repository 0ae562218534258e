using Mesh.Silo.Discovery;

namespace Mesh.ControlPlane.Tests.Discovery;

public sealed class ServiceAuthorityTests
{
    [Theory]
    [InlineData("books.default.svc.cluster.local:8080", "", "books", "default", 8080)]
    [InlineData("books.shop.svc:8080", "", "books", "shop", 8080)]
    [InlineData("books.shop:9000", "other", "books", "shop", 9000)]
    [InlineData("books:8080", "shop", "books", "shop", 8080)]
    [InlineData("books:8080", "", "books", "default", 8080)]
    [InlineData("books.default.svc.cluster.local", "", "books", "default", 80)]
    [InlineData("Books.Default:8080", "", "books", "default", 8080)]
    public void TryParse_ValidForms_NameNamespacePort(string text, string context, string name, string ns, int port)
    {
        Assert.True(ServiceAuthority.TryParse(text, context, out var a, out var error), error);
        Assert.Equal(new ServiceAuthority(name, ns, port), a);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("books:0", "port")]
    [InlineData("books:70000", "port")]
    [InlineData("books:http", "port")]
    [InlineData("10.0.0.1:80", "not a service name")]
    [InlineData("books.default.svc.example.org:80", "cluster domain")]
    [InlineData("bo_oks:80", "DNS label")]
    public void TryParse_Invalid_ErrorSaysWhy(string text, string expected)
    {
        Assert.False(ServiceAuthority.TryParse(text, null, out _, out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Canonical_ShortForm_FullyQualified() =>
        Assert.Equal("books.shop.svc.cluster.local:8080", new ServiceAuthority("books", "shop", 8080).Canonical());

    [Theory]
    [InlineData("cons", "cons")]
    [InlineData(" Cons ", "cons")]
    [InlineData("default", null)]
    [InlineData("", null)]
    [InlineData("not/a-namespace", null)]
    public void ConsumerNamespace_OtherValidNamespaceOnly(string context, string? expected) =>
        Assert.Equal(expected, ServiceAuthority.ConsumerNamespace(context, new ServiceAuthority("books", "default", 8080)));
}
