using System.Text.Json.Nodes;
using Mesh.Cli.Output;

namespace Mesh.Cli.Tests.Output;

public sealed class YamlRendererTests
{
    [Theory]
    [InlineData("8080")]
    [InlineData("true")]
    [InlineData("no")]
    [InlineData("null")]
    [InlineData("")]
    [InlineData(" padded")]
    [InlineData("1e3")]
    [InlineData("0x1F")]
    [InlineData("12:30")]
    public void Render_StringThatLooksLikeAnotherType_IsQuoted(string value)
    {
        var yaml = YamlRenderer.Render(new JsonObject { ["v"] = value });

        Assert.Matches("^v: [\"']", yaml);
    }

    [Fact]
    public void Render_ScalarsAndNesting_BlockStyleInJsonOrder()
    {
        var json = JsonNode.Parse("""{"b":1,"a":{"list":[1,"x",true,null],"empty":{},"none":[]},"f":1.5}""");

        var yaml = YamlRenderer.Render(json);

        Assert.Equal("b: 1\na: \n  list:\n  - 1\n  - x\n  - true\n  - null\n  empty: {}\n  none: []\nf: 1.5\n".Replace("a: \n", "a:\n"), yaml);
    }

    [Fact]
    public void RenderDocuments_Several_SeparatedByDashes()
    {
        var yaml = YamlRenderer.RenderDocuments([JsonNode.Parse("""{"a":1}"""), JsonNode.Parse("""{"b":2}""")]);

        Assert.Equal("a: 1\n---\nb: 2\n", yaml);
    }
}
