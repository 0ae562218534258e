using Mesh.Cli.Tests.Fakes;

namespace Mesh.Cli.Tests.Commands;

public sealed class SiloCommandTests
{
    [Fact]
    public async Task Silo_Flags_BecomeMeshVariablesAndOtherArgumentsPassThrough()
    {
        using var cli = new TestCli();
        IReadOnlyDictionary<string, string>? environment = null;
        string[]? args = null;
        cli.SiloRunner = (env, a, _) =>
        {
            environment = env;
            args = a;
            return Task.FromResult(7);
        };

        var result = await cli.RunAsync("silo", "--admin-addr", "127.0.0.1:9085", "--control-addr", "127.0.0.1:9086",
            "--data-dir", "/tmp/d", "--redis", "127.0.0.1:6379", "--Logging:LogLevel:Default=Debug");

        Assert.Equal(7, result.ExitCode);
        Assert.Equal(new Dictionary<string, string>
        {
            ["MESH_ADMIN_ADDR"] = "127.0.0.1:9085",
            ["MESH_CONTROL_ADDR"] = "127.0.0.1:9086",
            ["MESH_DATA_DIR"] = "/tmp/d",
            ["MESH_REDIS"] = "127.0.0.1:6379",
        }, environment);
        Assert.Equal(["--Logging:LogLevel:Default=Debug"], args!);
    }

    [Fact]
    public async Task Silo_NoFlags_SetsNoVariables()
    {
        using var cli = new TestCli();
        IReadOnlyDictionary<string, string>? environment = null;
        cli.SiloRunner = (env, _, _) =>
        {
            environment = env;
            return Task.FromResult(0);
        };

        var result = await cli.RunAsync("silo");

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(environment!);
    }
}
