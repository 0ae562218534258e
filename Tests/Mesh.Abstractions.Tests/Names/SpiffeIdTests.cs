using CsCheck;
using Mesh.Names;

namespace Mesh.Abstractions.Tests.Names;

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

    [Fact]
    public void Create_Parse_RoundTripsWithDnsForm() =>
        Gen.Select(NameGen.Label, NameGen.Label, NameGen.Label).Sample((td, ns, sa) =>
        {
            var id = SpiffeId.Create(td + ".local", ns, sa);
            return SpiffeId.Parse(id.Uri) == id && id.Uri == SpiffeId.Format(td + ".local", ns, sa)
                && id.DnsName == $"{sa}.{ns}.serviceaccount.identity.mesh.{td}.local";
        });

    [Fact]
    public void TryParse_BadLabel_False() =>
        Gen.Select(NameGen.Label, NameGen.BadLabel.Select(l => l.Replace('_', '*')), Gen.Bool).Sample((good, bad, badIsNs) =>
            !SpiffeId.TryParse(badIsNs ? SpiffeId.Format("cluster.local", bad, good) : SpiffeId.Format("cluster.local", good, bad), out _));
}
