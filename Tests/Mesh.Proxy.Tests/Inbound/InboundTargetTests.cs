using Mesh.Api.V1;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Errors;
using Mesh.Proxy.Inbound;

namespace Mesh.Proxy.Tests.Inbound;

/// <summary>The inbound's choice of target port, table-driven: declared ports only, never the proxy's own, a target
/// port only from an authenticated mesh peer when mesh TLS is on.</summary>
public sealed class InboundTargetTests
{
    private const int App = 7001, Second = 7002, Undeclared = 9000, Admin = 4191;
    private static readonly int[] ProxyPorts = [4143, 4140, Admin];
    private const string Peer = "spiffe://cluster.local/ns/default/sa/client";

    private static (int Port, ProxyRefusal? Refusal) Resolve(string? header, int? original, string? peer, bool meshTls = true, int? appPort = App, bool declareAdmin = false)
    {
        var settings = new ProxySettings { AppPort = appPort, TrustAnchorsPath = meshTls ? "/anchors.pem" : null };
        var proto = new InboundPolicy { Exists = true };
        proto.Ports["http"] = App;
        proto.Ports["7001"] = App;
        proto.Ports["second"] = Second;
        if (declareAdmin) proto.Ports["admin"] = Admin;
        var policy = new InboundPolicyCompiler(settings, TimeProvider.System).Compile(proto);
        return InboundTarget.Resolve(header, original, peer, policy, settings, ProxyPorts);
    }

    [Theory]
    [InlineData(null, null, Peer, App)]            // no header: the default app port
    [InlineData(null, null, null, App)]
    [InlineData("7002", null, Peer, Second)]       // a mesh peer names a declared port
    [InlineData("7001", null, null, App)]          // plaintext naming the default port changes nothing
    [InlineData(null, Second, null, Second)]       // transparent: the kernel's original destination, declared
    public void Resolve_AllowedTarget_ReturnsThePort(string? header, int? original, string? peer, int expected)
    {
        var (port, refusal) = Resolve(header, original, peer);
        Assert.Null(refusal);
        Assert.Equal(expected, port);
    }

    [Theory]
    [InlineData("7002", null, null, ProxyError.Unauthorized, "unauthenticated client")]   // plaintext picks another port
    [InlineData("9000", null, Peer, ProxyError.Unauthorized, "not a port the workload declares")]
    [InlineData("4191", null, Peer, ProxyError.Unauthorized, "proxy's own listener")]
    [InlineData("4143", null, Peer, ProxyError.Unauthorized, "proxy's own listener")]
    [InlineData(null, Undeclared, null, ProxyError.Unauthorized, "not a port the workload declares")]
    [InlineData(null, Admin, null, ProxyError.Unauthorized, "proxy's own listener")]
    [InlineData("0", null, Peer, ProxyError.BadTarget, "not a port number")]
    [InlineData("70000", null, Peer, ProxyError.BadTarget, "not a port number")]
    [InlineData("7002, 4191", null, Peer, ProxyError.BadTarget, "not a port number")]
    [InlineData("+7002", null, Peer, ProxyError.BadTarget, "not a port number")]
    public void Resolve_RefusedTarget_ReturnsTheRefusal(string? header, int? original, string? peer, ProxyError error, string reason)
    {
        var (_, refusal) = Resolve(header, original, peer);
        Assert.NotNull(refusal);
        Assert.Equal(error, refusal.Value.Error);
        Assert.Contains(reason, refusal.Value.Reason);
    }

    [Fact]
    public void Resolve_ProxyPortDeclaredByTheWorkload_StillRefused() =>
        Assert.Contains("proxy's own listener", Resolve("4191", null, Peer, declareAdmin: true).Refusal!.Value.Reason);

    [Fact]
    public void Resolve_WithoutMeshTls_HeaderHonouredForDeclaredPortsOnly()
    {
        Assert.Equal(Second, Resolve("7002", null, null, meshTls: false).Port);
        Assert.Contains("not a port the workload declares", Resolve("9000", null, null, meshTls: false).Refusal!.Value.Reason);
        Assert.Contains("proxy's own listener", Resolve("4191", null, null, meshTls: false).Refusal!.Value.Reason);
    }

    [Fact]
    public void Resolve_SeveralDeclaredPortsAndNoAppPort_NoDefault()
    {
        var (_, refusal) = Resolve(null, null, Peer, appPort: null);
        Assert.Equal(ProxyError.BadTarget, refusal!.Value.Error);
        // Without a default, a plaintext client names nothing at all.
        Assert.Equal(ProxyError.Unauthorized, Resolve("7001", null, null, appPort: null).Refusal!.Value.Error);
    }

    [Fact]
    public void SinglePort_NamedPortListedUnderNameAndNumber_IsTheDefault()
    {
        var proto = new InboundPolicy { Exists = true };
        proto.Ports["http"] = App;
        proto.Ports["7001"] = App;
        var settings = new ProxySettings();
        var policy = new InboundPolicyCompiler(settings, TimeProvider.System).Compile(proto);
        Assert.Equal(App, policy.SinglePort);
        Assert.Equal(App, InboundTarget.Resolve(null, null, null, policy, settings, ProxyPorts).Port);
    }
}
