using Mesh.Abstractions.Resources;

namespace Mesh.Abstractions.Tests.Resources;

/// <summary>testdata/bad/&lt;case&gt;/input.yaml must fail with exactly the lines of expected.txt and yield no resources.
/// A case may add pad.txt (a byte count): the input is padded with a YAML comment that long (for size limits).</summary>
public sealed class ResourceParserBadInputTests
{
    public static TheoryData<string> Cases => TestData.Cases("bad");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Parse_BadInput_ReportsExpectedErrorsAndNoResources(string name)
    {
        var input = File.ReadAllText(TestData.Output("bad", name, "input.yaml"));
        var pad = TestData.Output("bad", name, "pad.txt");
        if (File.Exists(pad)) input += "\n#" + new string('x', int.Parse(File.ReadAllText(pad).Trim()));

        var result = ResourceParser.Parse(input);

        var actual = string.Join("\n", result.Errors.Select(e => e.ToString()));
        var expectedPath = TestData.Output("bad", name, "expected.txt");
        if (TestData.Update) File.WriteAllText(TestData.Source(["bad", name, "expected.txt"]), actual + "\n");
        else Assert.Equal(File.ReadAllText(expectedPath).TrimEnd('\n'), actual);
        Assert.False(result.Ok);
        Assert.Empty(result.Resources);
    }
}
