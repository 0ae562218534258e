using Mesh.Cli.Output;

namespace Mesh.Cli.Tests.Output;

public sealed class DurationsTests
{
    [Theory]
    [InlineData("00:00:05", "5s")]
    [InlineData("00:01:30", "1m30s")]
    [InlineData("00:01:00", "1m")]
    [InlineData("00:00:00.5000000", "500ms")]
    [InlineData("00:00:01.2500000", "1.25s")]
    [InlineData("02:00:00", "2h")]
    [InlineData("1.02:03:04", "26h3m4s")]
    [InlineData("00:00:00", "0s")]
    [InlineData("not a duration", "not a duration")]
    public void Human_TimeSpanText_WrittenAsInYaml(string text, string expected) => Assert.Equal(expected, Durations.Human(text));
}
