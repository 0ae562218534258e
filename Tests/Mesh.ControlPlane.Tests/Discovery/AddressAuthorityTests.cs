using System.Collections.Immutable;
using Mesh.Abstractions.Model;
using Mesh.Api.V1;
using Mesh.ControlPlane.Tests.Support;
using Mesh.Silo.Discovery;

namespace Mesh.ControlPlane.Tests.Discovery;

public sealed class AddressAuthorityTests
{
    [Theory]
    [InlineData("10.0.0.5:8080", "addr/10.0.0.5:8080", "10.0.0.5:8080")]
    [InlineData("10.0.0.5", "addr/10.0.0.5:80", "10.0.0.5:80")]
    [InlineData("[fd00::5]:8080", "addr/[fd00::5]:8080", "[fd00::5]:8080")]
    public void TryParse_Address_KeyAndCanonical(string authority, string key, string canonical)
    {
        Assert.True(AddressAuthority.TryParse(authority, out var a));
        Assert.Equal((key, canonical), (a.Key, a.Canonical));
    }

    [Theory]
    [InlineData("books:8080")]
    [InlineData("1234:80")]
    [InlineData("10.1:80")]
    [InlineData("10.0.0.5:http")]
    [InlineData("10.0.0.5:70000")]
    [InlineData("010.0.0.5:80")] // IPAddress reads 8.0.0.5 (octal)
    [InlineData("[10.0.0.5]:80")]
    [InlineData("fd00::5]:80")]
    public void TryParse_NotAnAddress_False(string authority) => Assert.False(AddressAuthority.TryParse(authority, out _));

    [Fact]
    public void Translate_ClaimedByAMeshedWorkload_OneEndpointWithItsIdentity_FirstNamespaceWins()
    {
        Assert.True(AddressAuthority.TryParse("127.0.0.11:7001", out var a));
        var view = AddressView.Empty("127.0.0.11", 7001) with
        {
            Claims = ImmutableDictionary<string, WorkloadEndpoint>.Empty
                .Add("zeta", Views.Workload("other", "127.0.0.11"))
                .Add("shop", Views.Workload("books-1", "127.0.0.11")),
        };
        var t = a.Translate(view);
        var e = Assert.Single(t.Endpoints.Values);
        Assert.Equal(("127.0.0.11:7001", "books-1", ProtocolHint.H2), (e.Key, e.Workload, e.ProtocolHint));
        Assert.Equal("spiffe://cluster.local/ns/default/sa/books-1", e.Identity);
        Assert.Equal("shop", a.Snapshot(t, view.Winner!.Value.Namespace).Namespace);
        Assert.False(a.Translate(AddressView.Empty("127.0.0.11", 7001)).Exists);
    }
}
