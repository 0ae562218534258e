using System.Diagnostics;
using Mesh.Cli.Connection;
using Mesh.Cli.Output;

namespace Mesh.Cli.Tests.Connection;

public sealed class SiloConnectionTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("mesh-conn-test-").FullName;
    private readonly Dictionary<string, string> _env = new();

    private string DataDir => Path.Combine(_home, ".mesh");

    private SiloConnection Resolve() => SiloConnection.Resolve(new CliContext(
        new ConsoleOutput(TextWriter.Null, TextWriter.Null, false, false, true), n => _env.GetValueOrDefault(n), _home, TextReader.Null));

    private void WriteDataFile(string name, string text)
    {
        Directory.CreateDirectory(DataDir);
        File.WriteAllText(Path.Combine(DataDir, name), text);
    }

    [Fact]
    public void Resolve_NothingSet_UsesLoopbackDefaultsAndHomeMesh()
    {
        var connection = Resolve();

        Assert.Equal(new Uri("http://127.0.0.1:8085/"), connection.Admin);
        // The silo serves its control port over mesh TLS by default.
        Assert.Equal(new Uri("https://127.0.0.1:8086/"), connection.Control);
        Assert.Equal(DataDir, connection.DataDirectory);
        Assert.Null(connection.Token);
    }

    [Fact]
    public void Resolve_SiloJsonOfLiveProcess_UsesItsAddresses()
    {
        WriteDataFile("silo.json", $$"""{"admin":"http://127.0.0.1:40001","control":"http://127.0.0.1:40002","pid":{{Environment.ProcessId}}}""");

        var connection = Resolve();

        Assert.Equal(new Uri("http://127.0.0.1:40001/"), connection.Admin);
        Assert.Equal(new Uri("http://127.0.0.1:40002/"), connection.Control);
    }

    [Fact]
    public void Resolve_SiloJsonOfExitedProcess_IsIgnored()
    {
        using var exited = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        exited.WaitForExit();
        WriteDataFile("silo.json", $$"""{"admin":"http://127.0.0.1:40001","control":"http://127.0.0.1:40002","pid":{{exited.Id}}}""");

        Assert.Equal(new Uri("http://127.0.0.1:8085/"), Resolve().Admin);
    }

    [Fact]
    public void Resolve_CorruptSiloJson_IsIgnored()
    {
        WriteDataFile("silo.json", "{not json");

        Assert.Equal(new Uri("http://127.0.0.1:8085/"), Resolve().Admin);
    }

    [Fact]
    public void Resolve_EnvironmentSet_WinsOverSiloJsonAndTokenFile()
    {
        WriteDataFile("silo.json", $$"""{"admin":"http://127.0.0.1:40001","control":"http://127.0.0.1:40002","pid":{{Environment.ProcessId}}}""");
        WriteDataFile("admin-token", "file-token");
        _env["MESH_ADMIN_ADDR"] = "127.0.0.1:9085";
        _env["MESH_CONTROL_ADDR"] = "https://silo.example:9086";
        _env["MESH_TOKEN"] = "env-token";

        var connection = Resolve();

        Assert.Equal(new Uri("http://127.0.0.1:9085/"), connection.Admin);
        Assert.Equal(new Uri("https://silo.example:9086/"), connection.Control);
        Assert.Equal("env-token", connection.Token);
    }

    [Fact]
    public void Resolve_DataDirFromEnvironment_ReadsTokenThere()
    {
        var other = Path.Combine(_home, "elsewhere");
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "admin-token"), "  t0k3n \n");
        _env["MESH_DATA_DIR"] = other;

        var connection = Resolve();

        Assert.Equal(other, connection.DataDirectory);
        Assert.Equal("t0k3n", connection.Token);
    }

    [Fact]
    public void ToUri_PathPrefix_KeepsItForRelativeApiPaths()
    {
        var uri = SiloConnection.ToUri("http://127.0.0.1:8085/mesh", "MESH_ADMIN_ADDR");

        Assert.Equal(new Uri("http://127.0.0.1:8085/mesh/api/v1/info"), new Uri(uri, "api/v1/info"));
    }

    [Theory]
    [InlineData("ftp://127.0.0.1:8085")]
    [InlineData("http://")]
    public void Resolve_BadAddress_IsAUserErrorNamingTheVariable(string address)
    {
        _env["MESH_ADMIN_ADDR"] = address;

        var error = Assert.ThrowsAny<CliException>(Resolve);

        Assert.Equal(ExitCodes.UserError, error.ExitCode);
        Assert.StartsWith("MESH_ADMIN_ADDR:", error.Lines[0]);
    }

    public void Dispose() => Directory.Delete(_home, recursive: true);
}
