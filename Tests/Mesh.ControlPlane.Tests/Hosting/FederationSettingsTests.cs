using System.Collections;
using Mesh.Silo.Hosting;

namespace Mesh.ControlPlane.Tests.Hosting;

/// <summary>The multicluster settings: federation off by default; on, it needs a cluster name; each bad value is
/// refused with the variable and the fix.</summary>
public sealed class FederationSettingsTests
{
    private static SiloSettings Load(Hashtable env) => SiloSettingsLoader.Load(["--admin", "127.0.0.1:0", "--control", "127.0.0.1:0"], env);

    [Fact]
    public void Load_Unset_FederationOff()
    {
        var s = Load(new Hashtable());
        Assert.Null(s.Federation);
        Assert.Null(s.FederationUrl);
        Assert.Equal("cluster.local", s.ClusterDomain);
        Assert.Equal(TimeSpan.FromSeconds(5), s.FederationHeartbeat);
    }

    [Fact]
    public void Load_FederationWithName_HttpsUrlOnItsOwnPort()
    {
        var s = Load(new Hashtable
        {
            ["MESH_FEDERATION_ADDR"] = "127.0.0.1:0", ["MESH_CLUSTER_NAME"] = "west",
            ["MESH_MULTICLUSTER_GATEWAY"] = "gw.west.example:4143", ["MESH_MULTICLUSTER_GATEWAY_IDENTITY"] = "spiffe://west.mesh/ns/mesh/sa/gateway",
        });
        Assert.StartsWith("https://127.0.0.1:", s.FederationUrl);
        Assert.NotEqual(s.Admin.Port, s.Federation!.Port);
        Assert.NotEqual(s.Control.Port, s.Federation.Port);
        Assert.Equal(("gw.west.example", 4143), (s.MulticlusterGateway!.Value.Host, s.MulticlusterGateway.Value.Port));
    }

    [Theory]
    [InlineData("MESH_FEDERATION_ADDR", "8087", "MESH_FEDERATION_ADDR")]
    [InlineData("MESH_CLUSTER_NAME", "West_1", "must be a DNS label")]
    [InlineData("MESH_CLUSTER_DOMAIN", "cluster..local", "MESH_CLUSTER_DOMAIN")]
    [InlineData("MESH_MULTICLUSTER_GATEWAY", "gateway", "is not host:port")]
    [InlineData("MESH_MULTICLUSTER_GATEWAY_IDENTITY", "gateway", "is not a mesh identity")]
    [InlineData("MESH_FEDERATION_HEARTBEAT_MS", "soon", "MESH_FEDERATION_HEARTBEAT_MS")]
    public void Load_BadValue_RefusedNamingIt(string variable, string value, string expected)
    {
        var env = new Hashtable
        {
            ["MESH_FEDERATION_ADDR"] = "127.0.0.1:0", ["MESH_CLUSTER_NAME"] = "west",
            ["MESH_MULTICLUSTER_GATEWAY"] = "10.0.0.5:4143", ["MESH_MULTICLUSTER_GATEWAY_IDENTITY"] = "spiffe://west.mesh/ns/mesh/sa/gateway",
            [variable] = value,
        };
        var e = Assert.Throws<SiloSettingsException>(() => Load(env));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Load_FederationWithoutClusterName_AsksForOne()
    {
        var e = Assert.Throws<SiloSettingsException>(() => Load(new Hashtable { ["MESH_FEDERATION_ADDR"] = "127.0.0.1:0" }));
        Assert.Contains("MESH_CLUSTER_NAME", e.Message);
    }

    [Fact]
    public void Load_GatewayWithoutIdentity_Refused()
    {
        var e = Assert.Throws<SiloSettingsException>(() => Load(new Hashtable { ["MESH_MULTICLUSTER_GATEWAY"] = "10.0.0.5:4143" }));
        Assert.Contains("go together", e.Message);
    }

    [Fact]
    public void Load_FederationOnTheControlPort_Refused()
    {
        var e = Assert.Throws<SiloSettingsException>(() => SiloSettingsLoader.Load(["--control", "127.0.0.1:18086"],
            new Hashtable { ["MESH_FEDERATION_ADDR"] = "127.0.0.1:18086", ["MESH_CLUSTER_NAME"] = "west" }));
        Assert.Contains("its own", e.Message);
    }
}
