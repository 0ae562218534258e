using CsCheck;
using Mesh.Names;

namespace Mesh.Abstractions.Tests.Names;

public sealed class DnsLabelTests
{
    [Theory]
    [InlineData("books")]
    [InlineData("a")]
    [InlineData("books-v2")]
    [InlineData("0day")]
    public void IsValid_Rfc1123Label_True(string label) => Assert.True(DnsLabel.IsValid(label));

    [Theory]
    [InlineData("")]
    [InlineData("-books")]
    [InlineData("books-")]
    [InlineData("Books")]
    [InlineData("bo_oks")]
    [InlineData("bo.oks")]
    [InlineData("boo\u212aks")]
    public void IsValid_NotALabel_False(string label) => Assert.False(DnsLabel.IsValid(label));

    [Fact]
    public void IsValid_Length_AtMost63() =>
        Assert.Equal((true, false), (DnsLabel.IsValid(new string('a', 63)), DnsLabel.IsValid(new string('a', 64))));

    [Fact]
    public void IsValid_GeneratedLabels_TrueAndWithABadCharacter_False()
    {
        NameGen.Label.Sample(l => DnsLabel.IsValid(l));
        NameGen.BadLabel.Sample(l => !DnsLabel.IsValid(l));
    }

    [Theory]
    [InlineData("Books.Default", "books.default")]
    [InlineData("books", "books")]
    [InlineData("BOO\u212aKS", "boo\u212aks")]
    public void LowerAscii_LowersAsciiLettersOnly(string text, string expected) => Assert.Equal(expected, DnsLabel.LowerAscii(text));
}
