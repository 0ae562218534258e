using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;

namespace Mesh.Abstractions.Tests.Resources;

/// <summary>testdata/good/&lt;case&gt;/input.yaml parses cleanly; the views derived for each namespace it uses, as
/// <see cref="ViewJson"/>, equal expected.json.</summary>
public sealed class MeshReconcilerGoldenTests
{
    public static TheoryData<string> Cases => TestData.Cases("good");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Derive_GoodInput_MatchesGolden(string name)
    {
        var actual = DeriveAll(File.ReadAllText(TestData.Output("good", name, "input.yaml")));

        if (TestData.Update) { File.WriteAllText(TestData.Source(["good", name, "expected.json"]), actual + "\n"); return; }
        Assert.Equal(File.ReadAllText(TestData.Output("good", name, "expected.json")).TrimEnd('\n'), actual);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Derive_ResourcesInReverseOrder_SameViews(string name)
    {
        var stored = Store(File.ReadAllText(TestData.Output("good", name, "input.yaml")));
        foreach (var ns in stored.Select(r => r.Namespace).Distinct())
        {
            var forward = MeshReconciler.Derive(ns, stored, ReconcileSettings.Default);
            var backward = MeshReconciler.Derive(ns, [.. stored.Reverse()], ReconcileSettings.Default);
            Assert.True(ViewEquality.Equal(forward, backward));
            Assert.Equal(ViewJson.Serialize(forward), ViewJson.Serialize(backward));
        }
    }

    internal static ImmutableArray<StoredResource> Store(string yaml)
    {
        var parsed = ResourceParser.Parse(yaml);
        Assert.True(parsed.Ok, string.Join("\n", parsed.Errors));
        return [.. parsed.Resources.Select(r => new StoredResource(r.Kind, r.Namespace, r.Name, r.CanonicalJson, 1))];
    }

    internal static string DeriveAll(string yaml)
    {
        var stored = Store(yaml);
        var root = new JsonObject();
        foreach (var ns in stored.Select(r => r.Namespace).Distinct().Order(StringComparer.Ordinal))
            root[ns] = JsonNode.Parse(ViewJson.Serialize(MeshReconciler.Derive(ns, stored, ReconcileSettings.Default)));
        return root.ToJsonString(ViewJson.Options);
    }
}
