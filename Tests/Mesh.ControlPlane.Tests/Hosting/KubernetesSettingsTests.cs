using System.Collections;
using Mesh.Silo.Hosting;

namespace Mesh.ControlPlane.Tests.Hosting;

/// <summary>The Kubernetes-mode settings: off by default, a kubeconfig only with Kubernetes mode, bounded timeouts.</summary>
public sealed class KubernetesSettingsTests
{
    private static SiloSettings Load(Hashtable env) => SiloSettingsLoader.Load(["--admin", "127.0.0.1:0", "--control", "127.0.0.1:0"], env);

    [Fact]
    public void Load_Defaults_LocalModeWithFiveSecondBound()
    {
        var s = Load(new Hashtable());
        Assert.False(s.Kubernetes);
        Assert.Null(s.Kubeconfig);
        Assert.Equal(TimeSpan.FromSeconds(5), s.KubernetesTimeout);
    }

    [Fact]
    public void Load_KubernetesWithKubeconfigAndTimeout_Kept()
    {
        var path = Path.GetTempFileName();
        try
        {
            var s = Load(new Hashtable { ["MESH_KUBERNETES"] = "true", ["MESH_KUBECONFIG"] = path, ["MESH_KUBERNETES_TIMEOUT_MS"] = "750" });
            Assert.True(s.Kubernetes);
            Assert.Equal(path, s.Kubeconfig);
            Assert.Equal(TimeSpan.FromMilliseconds(750), s.KubernetesTimeout);
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("MESH_KUBERNETES", "yes", "must be true or false")]
    [InlineData("MESH_KUBECONFIG", "/nonexistent/kubeconfig", "is for Kubernetes mode")]
    [InlineData("MESH_KUBERNETES_TIMEOUT_MS", "0", "≥ 1")]
    public void Load_BadKubernetesSetting_SaysHowToFix(string variable, string value, string expected)
    {
        var e = Assert.Throws<SiloSettingsException>(() => Load(new Hashtable { [variable] = value }));
        Assert.Contains(expected, e.Message);
    }
}
