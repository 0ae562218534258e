using Mesh.Identity.Identity;

namespace Mesh.Identity.Tests;

public sealed class SpiffeIdTests
{
    [Fact]
    public void Parse_MeshUri_RoundTripsWithDnsForm()
    {
        var id = SpiffeId.Parse("spiffe://cluster.local/ns/books/sa/reviews");
        Assert.Equal("books", id.Namespace);
        Assert.Equal("reviews", id.ServiceAccount);
        Assert.Equal("reviews.books.serviceaccount.identity.mesh.cluster.local", id.DnsName);
        Assert.Equal("spiffe://cluster.local/ns/books/sa/reviews", id.Uri);
    }

    [Theory]
    [InlineData("")]
    [InlineData("https://cluster.local/ns/a/sa/b")]
    [InlineData("spiffe://cluster.local/ns/a")]
    [InlineData("spiffe://cluster.local/ns/a/sa/b/extra")]
    [InlineData("spiffe://cluster.local/ns/A B/sa/b")]
    [InlineData("spiffe://cluster.local/sa/a/ns/b")]
    public void TryParse_NotAMeshIdentity_False(string uri) => Assert.False(SpiffeId.TryParse(uri, out _));

    [Fact]
    public void Create_BadLabel_ArgumentExceptionNamesField()
    {
        var e = Assert.Throws<ArgumentException>(() => SpiffeId.Create("cluster.local", "Books/x", "b"));
        Assert.Contains("namespace", e.Message);
    }
}
