using System.Collections;
using System.Net;
using Mesh.Silo.Hosting;

namespace Mesh.Kubernetes.Tests.Hosting;

/// <summary>The downward-API variables Orleans' Kubernetes hosting needs (Kubernetes mode with Redis): each one missing
/// or wrong fails the settings with the env entry to add; without Redis none is needed.</summary>
public sealed class KubernetesHostingSettingsTests
{
    private static Hashtable Pod(params (string Key, string? Value)[] changes)
    {
        var env = new Hashtable
        {
            ["MESH_KUBERNETES"] = "true", ["MESH_REDIS"] = "127.0.0.1:6379",
            ["POD_NAME"] = "mesh-silo-0", ["POD_NAMESPACE"] = "mesh", ["POD_IP"] = "10.1.2.3",
        };
        foreach (var (key, value) in changes)
        {
            if (value is null) env.Remove(key);
            else env[key] = value;
        }
        return env;
    }

    private static SiloSettings Load(Hashtable env) =>
        SiloSettingsLoader.Load(["--admin", "127.0.0.1:0", "--control", "127.0.0.1:0", "--data-dir", Path.GetTempPath()], env);

    [Theory]
    [InlineData("POD_NAME", "metadata.name")]
    [InlineData("POD_NAMESPACE", "metadata.namespace")]
    [InlineData("POD_IP", "status.podIP")]
    public void Load_KubernetesHostingWithoutDownwardApiVariable_FailsWithTheEnvEntryToAdd(string variable, string fieldPath)
    {
        var e = Assert.Throws<SiloSettingsException>(() => Load(Pod((variable, null))));
        Assert.StartsWith($"Kubernetes hosting (MESH_KUBERNETES=true with MESH_REDIS) needs {variable} (", e.Message);
        Assert.Contains($"env: [{{name: {variable}, valueFrom: {{fieldRef: {{fieldPath: {fieldPath}}}}}}}]", e.Message);
    }

    [Fact]
    public void Load_PodIpNotAnAddress_Fails()
    {
        var e = Assert.Throws<SiloSettingsException>(() => Load(Pod(("POD_IP", "mesh-silo-0"))));
        Assert.Equal("POD_IP='mesh-silo-0' is not an IP address; set it from the downward API (fieldPath: status.podIP)", e.Message);
    }

    [Fact]
    public void Load_PodNamespaceNotAName_Fails()
    {
        var e = Assert.Throws<SiloSettingsException>(() => Load(Pod(("POD_NAMESPACE", "Mesh_System"))));
        Assert.StartsWith("POD_NAMESPACE='Mesh_System' is not a namespace name", e.Message);
    }

    [Fact]
    public void Load_AdvertiseAddressDisagreesWithPodIp_FailsSayingWhichToDrop()
    {
        var e = Assert.Throws<SiloSettingsException>(() => Load(Pod(("MESH_ADVERTISE_ADDR", "10.9.9.9"))));
        Assert.Contains("MESH_ADVERTISE_ADDR='10.9.9.9' and POD_IP='10.1.2.3' disagree", e.Message);
        Assert.Contains("drop MESH_ADVERTISE_ADDR", e.Message);
    }

    [Fact]
    public void Load_KubernetesHosting_AdvertisesPodIpAndTakesTheNamespaceAsClusterId()
    {
        var s = Load(Pod(("MESH_ADVERTISE_ADDR", "10.1.2.3")));
        Assert.True(s.KubernetesHosting);
        Assert.Equal(IPAddress.Parse("10.1.2.3"), s.AdvertisedAddress);
        Assert.Equal("mesh", s.ClusterId);
        Assert.Equal("mesh-silo-0", s.KubernetesPodName);
    }

    [Fact]
    public void Load_KubernetesHostingWithClusterId_TheExplicitIdWins() =>
        Assert.Equal("blue", Load(Pod(("MESH_CLUSTER_ID", "blue"))).ClusterId);

    [Fact]
    public void Load_KubernetesWithoutRedis_NeedsNoPodVariables()
    {
        var s = Load(Pod(("MESH_REDIS", null), ("POD_NAME", null), ("POD_NAMESPACE", null), ("POD_IP", null)));
        Assert.False(s.KubernetesHosting);
        Assert.Equal(IPAddress.Loopback, s.AdvertisedAddress);
        Assert.Equal("mesh", s.ClusterId);
    }
}
