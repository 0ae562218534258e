using System.Collections;
using Mesh.Silo.Hosting;

namespace Mesh.ControlPlane.Tests.Hosting;

public sealed class SiloSettingsLoaderTests
{
    private static SiloSettings Load(Hashtable env, params string[] args) => SiloSettingsLoader.Load(args, env);

    [Fact]
    public void Load_Defaults_8085And8086AndSqliteInTheDataDir()
    {
        var s = Load(new Hashtable { ["MESH_DATA_DIR"] = "/tmp/x" });
        Assert.Equal("http://127.0.0.1:8085", s.AdminUrl);
        Assert.Equal("https://127.0.0.1:8086", s.ControlUrl);
        Assert.True(s.ControlTls);
        Assert.Equal("sqlite", s.StorageKind);
        Assert.Equal("/tmp/x/state.db", s.StatePath);
        Assert.NotEqual(s.SiloPort, s.GatewayPort);
    }

    [Fact]
    public void Load_EphemeralSwitch_MemoryStorage()
    {
        var s = Load(new Hashtable(), "--ephemeral");
        Assert.True(s.Ephemeral);
        Assert.Equal("memory", s.StorageKind);
        Assert.Equal("memory", Load(new Hashtable { ["MESH_EPHEMERAL"] = "true" }).StorageKind);
    }

    [Fact]
    public void Load_EphemeralWithRedis_Refused()
    {
        var e = Assert.Throws<SiloSettingsException>(() => Load(new Hashtable { ["MESH_REDIS"] = "127.0.0.1:6379" }, "--ephemeral"));
        Assert.Contains("drop one of them", e.Message);
    }

    [Fact]
    public void Load_ControlTlsFalse_PlainH2cUrl()
    {
        var s = Load(new Hashtable { ["MESH_CONTROL_TLS"] = "false" });
        Assert.False(s.ControlTls);
        Assert.Equal("http://127.0.0.1:8086", s.ControlUrl);
    }

    [Fact]
    public void Load_ControlTlsNotABoolean_SaysWhatIsValid()
    {
        var e = Assert.Throws<SiloSettingsException>(() => Load(new Hashtable(), "--control-tls", "maybe"));
        Assert.Contains("true or false", e.Message);
    }

    [Fact]
    public void Load_PortZero_ResolvedToDistinctFreePorts()
    {
        var s = Load(new Hashtable(), "--admin", "127.0.0.1:0", "--control=127.0.0.1:0");
        Assert.NotEqual(0, s.Admin.Port);
        Assert.NotEqual(0, s.Control.Port);
        Assert.NotEqual(s.Admin.Port, s.Control.Port);
    }

    [Fact]
    public void Load_ArgumentOverridesEnvironment()
    {
        var s = Load(new Hashtable { ["MESH_REDIS"] = "127.0.0.1:1", ["MESH_SILO_PORT"] = "40001" }, "--redis", "127.0.0.1:6379");
        Assert.Equal("127.0.0.1:6379", s.Redis);
        Assert.Equal(40001, s.SiloPort);
    }

    [Theory]
    [InlineData("MESH_ADMIN_ADDR", "8085", "host:port")]
    [InlineData("MESH_CONTROL_ADDR", "example.com:8086", "IP address or 'localhost'")]
    [InlineData("MESH_ADMIN_ADDR", "127.0.0.1:99999", "0..65535")]
    [InlineData("MESH_REDIS", "redis", "MESH_REDIS=127.0.0.1:6379")]
    [InlineData("MESH_SILO_PORT", "abc", "MESH_SILO_PORT")]
    [InlineData("MESH_RESYNC_SECONDS", "0", "≥ 1")]
    [InlineData("MESH_LOG_LEVEL", "loud", "Warning")]
    public void Load_BadValue_MessageSaysHowToFix(string env, string value, string expected)
    {
        var e = Assert.Throws<SiloSettingsException>(() => Load(new Hashtable { [env] = value }));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Load_SameAdminAndControlPort_Rejected()
    {
        var e = Assert.Throws<SiloSettingsException>(() => Load(new Hashtable(), "--admin", "127.0.0.1:9000", "--control", "127.0.0.1:9000"));
        Assert.Contains("different ports", e.Message);
    }

    [Fact]
    public void Load_UnknownOption_Usage()
    {
        var e = Assert.Throws<SiloSettingsException>(() => Load(new Hashtable(), "--bogus"));
        Assert.Contains("usage", e.Message);
    }
}
