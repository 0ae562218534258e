using System.Text.Json.Nodes;
using Mesh.Abstractions.Resources;

namespace Mesh.Abstractions.Tests.Resources;

/// <summary>testdata/parse/&lt;case&gt;/input.yaml parses cleanly into the canonical documents of expected.json (defaults
/// filled, fields in schema order), and each reads back as its typed record.</summary>
public sealed class ResourceParserGoldenTests
{
    public static TheoryData<string> Cases => TestData.Cases("parse");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Parse_GoodInput_CanonicalJsonMatchesGolden(string name)
    {
        var result = ResourceParser.Parse(File.ReadAllText(TestData.Output("parse", name, "input.yaml")));
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        var actual = new JsonArray([.. result.Resources.Select(r => JsonNode.Parse(r.CanonicalJson))])
            .ToJsonString(new System.Text.Json.JsonSerializerOptions(ResourceJson.Options) { WriteIndented = true });

        if (TestData.Update) { File.WriteAllText(TestData.Source(["parse", name, "expected.json"]), actual + "\n"); return; }
        Assert.Equal(File.ReadAllText(TestData.Output("parse", name, "expected.json")).TrimEnd('\n'), actual);
        foreach (var r in result.Resources) Assert.Equal(r.Kind, ResourceJson.Deserialize(r.Kind, r.CanonicalJson).Kind);
    }
}
