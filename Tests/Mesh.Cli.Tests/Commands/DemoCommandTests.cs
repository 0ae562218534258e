using Mesh.Cli.Tests.Fakes;

namespace Mesh.Cli.Tests.Commands;

/// <summary>`mesh demo` (single and --multicluster) refuses bad flags before it starts any process or talks to a silo.</summary>
public sealed class DemoCommandTests : FakeSiloTestBase
{
    [Theory]
    [InlineData("yaml")]
    [InlineData("JSON")]
    [InlineData("")]
    public async Task Demo_BadOutput_Exit1BeforeStartingAnything(string format)
    {
        foreach (var extra in new[] { Array.Empty<string>(), ["--multicluster"] })
        {
            var result = await Cli.RunAsync(["demo", "--duration", "5s", "-o", format, .. extra]);

            Assert.Equal(1, result.ExitCode);
            Assert.Contains($"--output '{format}' is not a format", result.Err);
            Assert.Contains("use table or json", result.Err);
            Assert.Empty(Admin.Requests);
        }
    }

    [Theory]
    [InlineData("5x")]
    [InlineData("0s")]
    public async Task Demo_BadDuration_Exit1BeforeStartingAnything(string duration)
    {
        foreach (var extra in new[] { Array.Empty<string>(), ["--multicluster"] })
        {
            var result = await Cli.RunAsync(["demo", "--duration", duration, .. extra]);

            Assert.Equal(1, result.ExitCode);
            Assert.Contains("--duration", result.Err);
            Assert.Empty(Admin.Requests);
        }
    }
}
