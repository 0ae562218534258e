using CsCheck;
using Mesh.Names;

namespace Mesh.Abstractions.Tests.Names;

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
    [InlineData("[::1]:80", "not a service name")]
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

    // Stricter than the silo's old parser, which read the port with int.TryParse's default style and lowered with
    // ToLowerInvariant: a signed or spaced port, a Kelvin sign that folds to 'k', an empty label after "svc", an IP
    // address that IPAddress reads ("10.1" is 10.0.0.1; the old parser took it for service "10" in namespace "1").
    [Theory]
    [InlineData("books:+80", "port")]
    [InlineData("books: 80", "port")]
    [InlineData("boo\u212aks.default:80", "DNS label")]
    [InlineData("books.default.svc.:80", "DNS label")]
    [InlineData("10.1:80", "not a service name")]
    public void TryParse_LenientBefore_NowRejected(string text, string expected)
    {
        Assert.False(ServiceAuthority.TryParse(text, null, out _, out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Canonical_TryParse_RoundTrips() =>
        Gen.Select(NameGen.Label, NameGen.Label, NameGen.Port).Sample((name, ns, port) =>
        {
            var a = new ServiceAuthority(name, ns, port);
            return ServiceAuthority.TryParse(a.Canonical(), null, out var parsed, out _) && parsed == a
                && ServiceAuthority.TryParse(a.Canonical().ToUpperInvariant(), null, out var upper, out _) && upper == a;
        });

    [Fact]
    public void TryParse_ShortForms_SameService() =>
        Gen.Select(NameGen.Label, NameGen.Label, NameGen.Port).Sample((name, ns, port) =>
            new[] { $"{name}.{ns}:{port}", $"{name}.{ns}.svc:{port}", $"{name}.{ns}.svc.cluster.local:{port}", $"{name}:{port}" }
                .All(text => ServiceAuthority.TryParse(text, ns, out var a, out _) && a == new ServiceAuthority(name, ns, port)));

    [Fact]
    public void TryParse_BadPort_RejectedWithPortError() =>
        Gen.Select(NameGen.Label, NameGen.Label, NameGen.BadPort).Sample((name, ns, port) =>
            !ServiceAuthority.TryParse($"{name}.{ns}:{port}", null, out _, out var error) && error.Contains("port"));

    [Fact]
    public void TryParse_BadLabel_Rejected() =>
        Gen.Select(NameGen.Label, NameGen.BadLabel, NameGen.Port, Gen.Bool).Sample((good, bad, port, badIsName) =>
            !ServiceAuthority.TryParse(badIsName ? $"{bad}.{good}:{port}" : $"{good}.{bad}:{port}", null, out _, out var error)
            && error.Length > 0);

    [Fact]
    public void Format_IsCanonical() =>
        Assert.Equal(new ServiceAuthority("books", "shop", 8080).Canonical("example.org"), ServiceAuthority.Format("books", "shop", 8080, "example.org"));
}
