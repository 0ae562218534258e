using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Injection;

namespace Mesh.Kubernetes.Tests.Injection;

/// <summary>The webhook's annotation matrix as goldens: <c>testdata/&lt;case&gt;/input.yaml</c> (Namespace documents give
/// their annotations; every other document is injected as the webhook would: nothing annotated = not injected) →
/// <c>expected.json</c> (per object: outcome, reason, errors, warnings, the JSON patch and the resulting object).
/// MESH_UPDATE_GOLDENS=1 rewrites the goldens in the source tree (then review the diff).</summary>
public sealed class InjectionGoldenTests
{
    internal static readonly InjectionSettings Settings = new() { Image = "ghcr.io/mesh/mesh-proxy", Version = "0.1.0" };

    private static IEnumerable<string> CaseNames() =>
        Directory.GetDirectories(Path.Combine(AppContext.BaseDirectory, "Injection", "testdata")).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal);

    public static TheoryData<string> Cases() => new(CaseNames());

    [Theory]
    [MemberData(nameof(Cases))]
    public void Inject_Case_MatchesGolden(string name)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "Injection", "testdata", name);
        var actual = Run(File.ReadAllText(Path.Combine(dir, "input.yaml")));
        var text = actual.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
        if (Environment.GetEnvironmentVariable("MESH_UPDATE_GOLDENS") == "1")
            File.WriteAllText(Path.Combine(SourceDir(), "testdata", name, "expected.json"), text);
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "expected.json")));
        Assert.True(JsonNode.DeepEquals(expected, actual), $"case {name}: got\n{text}");
    }

    [Fact]
    public void Cases_CoverEveryWorkloadKindAndEveryOutcome()
    {
        var all = CaseNames()
            .SelectMany(c => Run(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Injection", "testdata", c, "input.yaml")))).ToList();
        foreach (var kind in new[] { "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod" })
            Assert.Contains(all, r => (string?)r!["kind"] == kind && (string?)r["outcome"] == "Injected");
        foreach (var outcome in new[] { "Skipped", "Invalid" })
            Assert.Contains(all, r => (string?)r!["outcome"] == outcome);
    }

    private static JsonArray Run(string yaml)
    {
        var docs = ManifestText.Read(yaml).Select(d => d.Document.AsObject()).ToList<JsonObject>();
        var namespaces = docs.Where(d => (string?)d["kind"] == "Namespace").ToDictionary(
            d => (string)d["metadata"]!["name"]!,
            d => (IReadOnlyDictionary<string, string>)(d["metadata"]!["annotations"]?.AsObject().ToDictionary(p => p.Key, p => (string)p.Value!) ?? []));
        var context = new WorkloadContext("default", ns => namespaces.GetValueOrDefault(ns, WorkloadContext.NoAnnotations));
        var results = new JsonArray();
        foreach (var doc in docs.Where(d => (string?)d["kind"] != "Namespace"))
        {
            var r = WorkloadInjector.Inject(doc, context, Settings);
            results.Add(new JsonObject
            {
                ["kind"] = r.Kind,
                ["outcome"] = r.Result?.Outcome.ToString() ?? "PassedThrough",
                ["reason"] = r.Result?.Reason,
                ["errors"] = new JsonArray([.. (r.Result?.Errors ?? []).Select(e => (JsonNode)e.ToString())]),
                ["warnings"] = new JsonArray([.. (r.Result?.Warnings ?? []).Select(w => (JsonNode)w)]),
                ["patch"] = r.Result?.Patch.DeepClone() ?? new JsonArray(),
                ["object"] = r.Object.DeepClone(),
            });
        }
        return results;
    }

    private static string SourceDir([CallerFilePath] string self = "") => Path.GetDirectoryName(self)!;
}
