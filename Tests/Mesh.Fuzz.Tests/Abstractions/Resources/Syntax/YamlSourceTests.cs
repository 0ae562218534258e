using Mesh.Abstractions.Resources;

namespace Mesh.Fuzz.Tests.Abstractions.Resources.Syntax;

/// <summary>Crashes and misplaced errors the fuzzer (and users) found in YAML syntax handling, each pinned as it was seen.</summary>
public sealed class YamlSourceTests
{
    private static string Errors(string text) => string.Join("\n", ResourceParser.Parse(text).Errors);

    [Fact]
    public void Parse_UnclosedFlowMapping_IsSyntaxErrorWithPosition()
    {
        var result = ResourceParser.Parse("apiVersion: v1\nkind: Service\nmetadata: {name: x\nspec:\n  ports: [{port: 80}]\n");

        Assert.False(result.Ok);
        Assert.Empty(result.Resources);
        var error = Assert.Single(result.Errors);
        Assert.Equal(1, error.Document);
        Assert.Matches(@"^line [3-5], column \d+$", error.Path);
    }

    [Fact]
    public void Parse_TabIndentationOnLine4_ReportedOnLine4()
    {
        var errors = Errors("apiVersion: v1\nkind: Service\nmetadata:\n\tname: x\nspec:\n  ports: [{port: 80}]\n");

        Assert.StartsWith("doc 1: line 4, column 1: ", errors);
        Assert.Contains("tab", errors, StringComparison.OrdinalIgnoreCase);
    }
}
