using System.Net;
using Mesh.Api.V1;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Inbound;
using Authorization = Mesh.Api.V1.Authorization;

namespace Mesh.Proxy.Tests.Inbound;

public sealed class AuthorizationTests
{
    private const string Web = "spiffe://cluster.local/ns/default/sa/web";
    private const string Other = "spiffe://cluster.local/ns/other/sa/x";
    private static readonly IPAddress Loopback = IPAddress.Loopback;
    private static readonly IPAddress PodIp = IPAddress.Parse("10.1.2.3");

    private static CompiledInboundPolicy Compile(InboundPolicy policy, DefaultInboundPolicy fallback = DefaultInboundPolicy.AllUnauthenticated) =>
        new InboundPolicyCompiler(new ProxySettings { DefaultInboundPolicy = fallback }, TimeProvider.System).Compile(policy);

    private static InboundPolicy WithServer(int port, params Authorization[] authorizations)
    {
        var server = new InboundServer { Name = "default/srv", Port = (uint)port };
        server.Authorizations.AddRange(authorizations);
        var p = new InboundPolicy { Exists = true };
        p.Servers.Add(server);
        return p;
    }

    [Theory]
    [InlineData(DefaultPolicy.AllUnauthenticated, null, true)]
    [InlineData(DefaultPolicy.AllAuthenticated, null, false)]
    [InlineData(DefaultPolicy.AllAuthenticated, Web, true)]
    [InlineData(DefaultPolicy.ClusterAuthenticated, Web, true)]
    [InlineData(DefaultPolicy.Deny, Web, false)]
    public void Authorize_NoServerForPort_AppliesTheDefaultPolicy(DefaultPolicy policy, string? identity, bool allowed)
    {
        var p = new InboundPolicy { Exists = true, DefaultPolicy = policy };
        p.ClusterNetworks.Add("10.0.0.0/8");
        Assert.Equal(allowed, Compile(p).Authorize(8080, identity, PodIp).Allowed);
    }

    [Fact]
    public void Authorize_ClusterAuthenticated_DeniesClientsOutsideClusterNetworks()
    {
        var p = new InboundPolicy { Exists = true, DefaultPolicy = DefaultPolicy.ClusterAuthenticated };
        p.ClusterNetworks.Add("10.0.0.0/8");
        Assert.False(Compile(p).Authorize(8080, Web, IPAddress.Parse("192.168.1.1")).Allowed);
    }

    [Fact]
    public void Authorize_UnregisteredWorkload_UsesTheProxysConfiguredDefault()
    {
        Assert.False(Compile(new InboundPolicy { Exists = false }, DefaultInboundPolicy.Deny).Authorize(8080, Web, Loopback).Allowed);
    }

    [Fact]
    public void Authorize_ServerWithoutAuthorizations_DeniesEveryone()
    {
        var d = Compile(WithServer(8080)).Authorize(8080, Web, Loopback);
        Assert.False(d.Allowed);
        Assert.Equal("default/srv", d.Server);
    }

    [Theory]
    [InlineData(Web, Web, true)]
    [InlineData("*", Web, true)]
    [InlineData("*", null, false)]
    [InlineData("*.default.serviceaccount.identity.mesh.cluster.local", Web, true)]
    [InlineData("*.default.serviceaccount.identity.mesh.cluster.local", Other, false)]
    [InlineData(Web, Other, false)]
    public void Authorize_IdentityPatterns_ExactWildcardAndSuffix(string pattern, string? identity, bool allowed)
    {
        var a = new Authorization { Name = "default/authz", RequireIdentity = true };
        a.Identities.Add(pattern);
        Assert.Equal(allowed, Compile(WithServer(8080, a)).Authorize(8080, identity, Loopback).Allowed);
    }

    [Theory]
    [InlineData("10.1.2.3", true)]
    [InlineData("10.9.9.9", false)]
    [InlineData("11.0.0.1", false)]
    public void Authorize_NetworkWithExcept_ChecksClientAddress(string client, bool allowed)
    {
        var n = new Network { Cidr = "10.0.0.0/8" };
        n.Except.Add("10.9.0.0/16");
        var a = new Authorization { Name = "default/net", RequireNetwork = true };
        a.Networks.Add(n);
        Assert.Equal(allowed, Compile(WithServer(8080, a)).Authorize(8080, null, IPAddress.Parse(client)).Allowed);
    }

    [Fact]
    public void Authorize_AnyAuthorizationAdmits_ReportsItsName()
    {
        var deny = new Authorization { Name = "default/only-web", RequireIdentity = true };
        deny.Identities.Add(Web);
        var loopback = new Authorization { Name = "default/loopback", RequireNetwork = true };
        loopback.Networks.Add(new Network { Cidr = "127.0.0.0/8" });
        var d = Compile(WithServer(8080, deny, loopback)).Authorize(8080, null, IPAddress.Parse("::ffff:127.0.0.1"));
        Assert.True(d.Allowed);
        Assert.Equal("default/loopback", d.Authorization);
    }
}
