using System.Collections;
using Mesh.Names;
using Mesh.Silo.Hosting;

namespace Mesh.Kubernetes.Tests.Injector;

/// <summary>MESH_INJECTOR_*: defaults, and every unusable combination refused with the setting and the fix.</summary>
public sealed class InjectorSettingsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mesh-injector-settings-").FullName;
    private readonly string _cert;
    private readonly string _key;

    public InjectorSettingsTests()
    {
        _cert = Path.Combine(_dir, "tls.crt");
        _key = Path.Combine(_dir, "tls.key");
        File.WriteAllText(_cert, "");
        File.WriteAllText(_key, "");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private SiloSettings Load(params (string Key, string Value)[] env)
    {
        var table = new Hashtable { ["MESH_DATA_DIR"] = _dir };
        foreach (var (k, v) in env) table[k] = v;
        return SiloSettingsLoader.Load(["--admin", "127.0.0.1:0", "--control", "127.0.0.1:0"], table);
    }

    [Fact]
    public void Load_KubernetesWithCertificate_DefaultsToPort8443AndTheControlServiceOfItsNamespace()
    {
        var s = Load(("MESH_KUBERNETES", "true"), ("MESH_INJECTOR_CERT", _cert), ("MESH_INJECTOR_KEY", _key), ("POD_NAMESPACE", "mesh-system"));

        Assert.Equal(KubernetesObjects.WebhookPort, s.Injector!.Address.Port);
        Assert.Equal("https://0.0.0.0:8443/inject", s.Injector.Url);
        Assert.Equal("https://mesh-control.mesh-system.svc.cluster.local:8086", s.Injector.Proxy.ControlAddress);
    }

    [Fact]
    public void Load_NoCertificate_NoWebhook() =>
        Assert.Null(Load(("MESH_KUBERNETES", "true")).Injector);

    [Theory]
    [InlineData("MESH_INJECTOR_ADDR=127.0.0.1:9443", "needs its serving certificate")]
    [InlineData("MESH_INJECTOR_PROXY_VERSION=1.0", "needs its serving certificate")]
    [InlineData("MESH_INJECTOR_CERT=CERT", "needs both MESH_INJECTOR_CERT and MESH_INJECTOR_KEY; MESH_INJECTOR_KEY is not set")]
    [InlineData("MESH_INJECTOR_CERT=CERT,MESH_INJECTOR_KEY=/no/such/key", "MESH_INJECTOR_KEY='/no/such/key': no such file")]
    [InlineData("MESH_INJECTOR_CERT=CERT,MESH_INJECTOR_KEY=KEY,MESH_INJECTOR_ADDR=nowhere", "MESH_INJECTOR_ADDR: 'nowhere' is not host:port")]
    [InlineData("MESH_INJECTOR_CERT=CERT,MESH_INJECTOR_KEY=KEY,MESH_INJECTOR_PROXY_VERSION=1.0 beta", "proxy version '1.0 beta'")]
    [InlineData("MESH_INJECTOR_CERT=CERT,MESH_INJECTOR_KEY=KEY,MESH_INJECTOR_CONTROL_ADDR=mesh-control", "control address 'mesh-control' is not a URL")]
    public void Load_UnusableInKubernetesMode_RefusedNamingTheSetting(string env, string expected)
    {
        var pairs = env.Split(',').Select(p => p.Split('=', 2)).Select(p => (p[0], p[1].Replace("CERT", _cert).Replace("KEY", _key)))
            .Append(("MESH_KUBERNETES", "true")).ToArray();

        var e = Assert.Throws<SiloSettingsException>(() => Load(pairs));

        Assert.Contains(expected, e.Message);
    }

    [Fact]
    [Trait("Category", "E2E")]
    public async Task Start_CertificateFilesNotPem_SiloStartFailsNamingTheFiles()
    {
        await using var api = await Mesh.Testing.KubeApi.FakeKubeApi.StartAsync();
        File.WriteAllText(_cert, "not a certificate");
        var kubeconfig = api.WriteKubeconfig(Path.Combine(_dir, "kubeconfig"));
        var settings = SiloSettingsLoader.Load(["--admin", "127.0.0.1:0", "--control", "127.0.0.1:0", "--ephemeral"], new Hashtable
        {
            ["MESH_DATA_DIR"] = _dir, ["MESH_LOG_LEVEL"] = "Error", ["MESH_KUBERNETES"] = "true", ["MESH_KUBECONFIG"] = kubeconfig,
            ["MESH_INJECTOR_CERT"] = _cert, ["MESH_INJECTOR_KEY"] = _key, ["MESH_INJECTOR_ADDR"] = "127.0.0.1:0",
        });

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => SiloHost.StartAsync(settings));

        Assert.Contains($"injector: cannot use the serving certificate {_cert} / key {_key}", e.Message);
    }

    [Fact]
    public void Load_CertificateInLocalMode_Refused()
    {
        var e = Assert.Throws<SiloSettingsException>(() => Load(("MESH_INJECTOR_CERT", _cert), ("MESH_INJECTOR_KEY", _key)));
        Assert.Contains("for Kubernetes mode", e.Message);
    }

    [Fact]
    public void Load_InjectorOnTheAdminPort_Refused()
    {
        var e = Assert.Throws<SiloSettingsException>(() => SiloSettingsLoader.Load(["--admin", "127.0.0.1:18085", "--control", "127.0.0.1:0"],
            new Hashtable { ["MESH_DATA_DIR"] = _dir, ["MESH_KUBERNETES"] = "true", ["MESH_INJECTOR_CERT"] = _cert, ["MESH_INJECTOR_KEY"] = _key, ["MESH_INJECTOR_ADDR"] = "127.0.0.1:18085" }));
        Assert.Contains("is the admin or control port", e.Message);
    }
}
