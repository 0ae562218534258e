using Mesh.Proxy.Transport;

namespace Mesh.Proxy.Tests.Transport;

public sealed class AsteriskFormTests
{
    [Theory]
    [InlineData("OPTIONS", "*")]
    [InlineData("OPTIONS", "http://books.default:8080")]
    [InlineData("OPTIONS", "HTTP://127.0.0.1:80")]
    public void Decide_ClientSentAsteriskForm_IsAsterisk(string method, string rawTarget) =>
        Assert.True(AsteriskForm.Decide(method, rawTarget, header: null, headerTrusted: false));

    [Fact]
    public void Decide_TrustedPeersFieldOnOptionsSlash_IsAsterisk() =>
        Assert.True(AsteriskForm.Decide("OPTIONS", "/", "*", headerTrusted: true));

    [Theory]
    [InlineData("OPTIONS", "/", "*", false)]        // the field from a client that is not a mesh peer
    [InlineData("GET", "/", "*", true)]             // never another method
    [InlineData("POST", "*", null, false)]
    [InlineData("OPTIONS", "/x", "*", true)]        // never another path
    [InlineData("OPTIONS", "/?q=1", "*", true)]
    [InlineData("OPTIONS", "//", "*", true)]
    [InlineData("OPTIONS", "/", "/x", true)]        // only the value `*` means anything
    [InlineData("OPTIONS", "/", null, true)]
    [InlineData("OPTIONS", "/", null, false)]       // a real `OPTIONS /`
    [InlineData("OPTIONS", "http://books.default:8080/", null, false)]
    [InlineData("OPTIONS", "http://books.default:8080?q", null, false)]
    [InlineData("OPTIONS", "://books", null, false)]
    [InlineData("OPTIONS", "h2c-1://books", null, false)]
    public void Decide_AnythingElse_IsNotAsterisk(string method, string rawTarget, string? header, bool trusted) =>
        Assert.False(AsteriskForm.Decide(method, rawTarget, header, trusted));
}
