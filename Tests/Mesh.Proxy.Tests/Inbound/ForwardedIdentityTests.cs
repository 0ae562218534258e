using System.Collections.Immutable;
using Mesh.Proxy.Errors;
using Mesh.Proxy.Inbound;
using Microsoft.Extensions.Primitives;
using static Mesh.Proxy.Inbound.ForwardedIdentity.Outcome;

namespace Mesh.Proxy.Tests.Inbound;

/// <summary>Who the caller is: the mTLS peer, or the identity a gateway the Server trusts forwarded.</summary>
public sealed class ForwardedIdentityTests
{
    private const string Gateway = "spiffe://west.mesh/ns/mesh/sa/gateway";
    private const string East = "spiffe://east.mesh/ns/default/sa/web";
    private const string Web = "spiffe://west.mesh/ns/default/sa/web";

    private static ServerRule Server(params string[] trusted) => new("default/books", 8080, "unknown", [], null, [.. trusted]);

    [Fact]
    public void Resolve_NoHeader_PeerIsTheClient()
    {
        Assert.Equal(new ForwardedIdentity(Gateway, null, None, null), ForwardedIdentity.Resolve(Gateway, StringValues.Empty, Server(Gateway)));
    }

    [Theory]
    [InlineData(Gateway, "spiffe://west.mesh/ns/mesh/sa/gateway")]
    [InlineData(Gateway, "gateway.mesh.serviceaccount.identity.mesh.west.mesh")]
    public void Resolve_FromATrustedGateway_TheForwardedIdentityIsTheClient(string peer, string trusted)
    {
        var caller = ForwardedIdentity.Resolve(peer, East, Server(trusted));
        Assert.Equal((East, Gateway, Trusted), (caller.Client, caller.Gateway, caller.Result));
        Assert.Null(caller.Refusal);
    }

    [Theory]
    [InlineData(Web, Gateway)]                 // a mesh workload, not the gateway
    [InlineData(Web, "*")]                     // patterns never make a gateway
    [InlineData(Web, "*.west.mesh")]
    [InlineData(Web, "spiffe://west.mesh/ns/default/sa/we")]
    [InlineData(Gateway, "")]                  // no trusted gateway on this Server
    public void Resolve_FromAPeerThatIsNotATrustedGateway_IgnoredPeerIsTheClient(string peer, string trusted)
    {
        var server = trusted.Length == 0 ? Server() : Server(trusted);
        Assert.Equal(new ForwardedIdentity(peer, null, Ignored, null), ForwardedIdentity.Resolve(peer, East, server));
    }

    [Fact]
    public void Resolve_NoServerOrNoPeer_Ignored()
    {
        Assert.Equal(new ForwardedIdentity(Gateway, null, Ignored, null), ForwardedIdentity.Resolve(Gateway, East, null));
        Assert.Equal(new ForwardedIdentity(null, null, Ignored, null), ForwardedIdentity.Resolve(null, East, Server(Gateway)));
    }

    public static TheoryData<string[]> MalformedValues() =>
    [
        ["web"], [""], ["*"], ["web.default.serviceaccount.identity.mesh.east.mesh"], ["spiffe://east.mesh/ns/default"],
        ["spiffe://east.mesh/ns/default/sa/"], ["spiffe://East.mesh/ns/default/sa/web"], [$"{East}, {Web}"], [East, Web],
    ];

    [Theory]
    [MemberData(nameof(MalformedValues))]
    public void Resolve_MalformedFromATrustedGateway_Refused403(string[] values)
    {
        var caller = ForwardedIdentity.Resolve(Gateway, new StringValues(values), Server(Gateway));
        Assert.Equal(Malformed, caller.Result);
        var refusal = Assert.NotNull(caller.Refusal);
        Assert.Equal(ProxyError.Unauthorized, refusal.Error);
        Assert.Contains("malformed client identity", refusal.Reason);
    }

    [Fact]
    public void IsOneOf_ExactOnly_BothSpellings()
    {
        ImmutableArray<string> ids = ["spiffe://west.mesh/ns/mesh/sa/gateway", "other.mesh.serviceaccount.identity.mesh.west.mesh"];
        Assert.True(IdentityMatcher.IsOneOf(ids, Gateway));
        Assert.True(IdentityMatcher.IsOneOf(ids, "spiffe://west.mesh/ns/mesh/sa/other"));
        Assert.False(IdentityMatcher.IsOneOf(ids, "spiffe://east.mesh/ns/mesh/sa/gateway"));
        Assert.False(IdentityMatcher.IsOneOf(["*"], Gateway));
    }
}
