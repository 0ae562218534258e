using Mesh.Silo.Identity;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.ControlPlane.Tests.Identity;

public sealed class LocalTokenIssuerTests
{
    private static readonly byte[] Key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

    [Fact]
    public void Check_IssuedToken_ReturnsItsIdentity()
    {
        var issuer = new LocalTokenIssuer(Key, new FakeTimeProvider(DateTimeOffset.Parse("2026-11-25T00:00:00Z")));
        var check = issuer.Check(issuer.Issue("default", "books"));
        Assert.True(check.Valid, check.Error);
        Assert.Equal(("default", "books"), (check.Namespace, check.ServiceAccount));
    }

    [Fact]
    public void Check_AfterExpiry_FailsSayingHowToFix()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-25T00:00:00Z"));
        var issuer = new LocalTokenIssuer(Key, time);
        var token = issuer.Issue("default", "books", TimeSpan.FromHours(1));
        time.Advance(TimeSpan.FromHours(1));
        var check = issuer.Check(token);
        Assert.False(check.Valid);
        Assert.Contains("mesh identity token", check.Error);
    }

    [Fact]
    public void Check_TokenOfAnotherKey_Fails()
    {
        var time = new FakeTimeProvider();
        var other = new LocalTokenIssuer(Enumerable.Repeat((byte)7, 32).ToArray(), time);
        var check = new LocalTokenIssuer(Key, time).Check(other.Issue("default", "books"));
        Assert.False(check.Valid);
        Assert.Contains("signature", check.Error);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("mesh1.")]
    [InlineData("mesh1.abc")]
    [InlineData("mesh1.!!!.???")]
    [InlineData("mesh1.e30.AAAA")]
    public void Check_MalformedToken_FailsWithoutThrowing(string? token)
    {
        var check = new LocalTokenIssuer(Key, new FakeTimeProvider()).Check(token);
        Assert.False(check.Valid);
        Assert.False(string.IsNullOrEmpty(check.Error));
    }

    [Fact]
    public void Check_PayloadTampered_Fails()
    {
        var issuer = new LocalTokenIssuer(Key, new FakeTimeProvider());
        var parts = issuer.Issue("default", "books").Split('.');
        var forged = issuer.Issue("default", "admin").Split('.');
        Assert.False(issuer.Check($"{parts[0]}.{forged[1]}.{parts[2]}").Valid);
    }

    [Fact]
    public void LoadOrCreateKey_NewFile_IsOwnerOnlyAndStable()
    {
        var dir = Directory.CreateTempSubdirectory("mesh-token-");
        try
        {
            var path = Path.Combine(dir.FullName, "identity", "token.key");
            var first = LocalTokenIssuer.LoadOrCreateKey(path);
            Assert.Equal(first, LocalTokenIssuer.LoadOrCreateKey(path));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
