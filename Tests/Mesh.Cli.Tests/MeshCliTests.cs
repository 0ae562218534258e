using Mesh.Cli.Tests.Fakes;

namespace Mesh.Cli.Tests;

public sealed class MeshCliTests
{
    [Theory]
    [InlineData(new string[0], "Required command was not provided")]
    [InlineData(new[] { "frobnicate" }, "Unrecognized command or argument 'frobnicate'")]
    [InlineData(new[] { "get", "svc", "--bogus" }, "Unrecognized command or argument '--bogus'")]
    public async Task Invoke_BadArguments_Exits1WithErrorAndUsageOnStderrOnly(string[] args, string message)
    {
        using var cli = new TestCli();

        var result = await cli.RunAsync(args);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Out);
        Assert.Contains($"error: {message}", result.Err);
        Assert.Contains("Usage:", result.Err);
    }

    [Fact]
    public async Task Invoke_Help_PrintsEveryVerbToStdout()
    {
        using var cli = new TestCli();

        var result = await cli.RunAsync("--help");

        Assert.Equal(0, result.ExitCode);
        foreach (var verb in new[] { "silo", "apply", "get", "delete", "describe", "diagnostics", "version" })
            Assert.Contains(verb, result.Out);
    }
}
