using System.Text.Json.Nodes;
using CsCheck;
using Mesh.Testing.KubeApi.Selectors;

namespace Mesh.Kubernetes.Tests.KubeApi.Selectors;

/// <summary>Label and field selector parsing: the apimachinery operators match as the API server does, and garbage is a
/// 400 BadRequest value, never an exception.</summary>
public sealed class SelectorTests
{
    private static readonly JsonObject Labels = new() { ["app"] = "web", ["tier"] = "front", ["n"] = "5" };

    [Theory]
    [InlineData("", true)]
    [InlineData("app=web", true)]
    [InlineData("app==web", true)]
    [InlineData("app!=web", false)]
    [InlineData("missing!=x", true)]
    [InlineData("app in (api, web)", true)]
    [InlineData("app notin (web)", false)]
    [InlineData("missing notin (web)", true)]
    [InlineData("tier", true)]
    [InlineData("!tier", false)]
    [InlineData("!missing", true)]
    [InlineData("n>4,n<6", true)]
    [InlineData("app=web,tier=back", false)]
    [InlineData("example.com/app", false)]
    [InlineData("app=", false)]
    public void LabelSelectorMatches_Operators_AsTheApiServer(string selector, bool matches)
    {
        var parsed = LabelSelector.Parse(selector);
        Assert.True(parsed.Ok, parsed.Error?.Message);
        Assert.Equal(matches, parsed.Value!.Matches(Labels));
    }

    [Theory]
    [InlineData("app in (web")]
    [InlineData("app in ()")]
    [InlineData("=web")]
    [InlineData("app=web,")]
    [InlineData("app=we b")]
    [InlineData("-app=web")]
    [InlineData("app=" + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("Bad_Prefix/app=web")]
    [InlineData("n>x")]
    [InlineData("app!")]
    public void LabelSelectorParse_Malformed_IsBadRequest(string selector)
    {
        var parsed = LabelSelector.Parse(selector);
        Assert.False(parsed.Ok);
        Assert.Equal(400, parsed.Error!.Code);
        Assert.StartsWith("unable to parse requirement: ", parsed.Error.Message);
    }

    [Fact]
    public void LabelSelectorParse_Garbage_NeverThrows()
    {
        Gen.String[Gen.Char["ab=!,()<> inotx/.-_1\t\\é"], 0, 40].Sample(text =>
        {
            var parsed = LabelSelector.Parse(text);
            if (parsed.Ok) parsed.Value!.Matches(Labels);
            else Assert.Equal(400, parsed.Error!.Code);
        }, iter: 5_000);
    }

    [Theory]
    [InlineData("metadata.name=web", true)]
    [InlineData("metadata.name==web", true)]
    [InlineData("metadata.name!=web", false)]
    [InlineData("metadata.namespace=default,metadata.name=web", true)]
    [InlineData("metadata.name=w\\,eb", false)]
    public void FieldSelectorMatches_MetadataFields(string selector, bool matches)
    {
        var parsed = FieldSelector.Parse(selector);
        Assert.True(parsed.Ok, parsed.Error?.Message);
        var obj = new JsonObject { ["metadata"] = new JsonObject { ["name"] = "web", ["namespace"] = "default" } };
        Assert.Equal(matches, parsed.Value!.Matches(obj));
    }

    [Theory]
    [InlineData("spec.nodeName=a", "field label not supported: spec.nodeName")]
    [InlineData("metadata.name", "invalid selector")]
    [InlineData("metadata.name=a\\", "invalid selector")]
    public void FieldSelectorParse_Unsupported_IsBadRequest(string selector, string message)
    {
        var parsed = FieldSelector.Parse(selector);
        Assert.Equal(400, parsed.Error!.Code);
        Assert.Contains(message, parsed.Error.Message);
    }

    [Fact]
    public void FieldSelectorParse_Garbage_NeverThrows()
    {
        Gen.String[Gen.Char["metadan.s=!,\\x "], 0, 40].Sample(text =>
        {
            var parsed = FieldSelector.Parse(text);
            if (!parsed.Ok) Assert.Equal(400, parsed.Error!.Code);
        }, iter: 5_000);
    }
}
