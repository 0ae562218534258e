namespace Mesh.Proxy.Tests.Architecture;

/// <summary>Mesh.Proxy is a one-way stack of layers (the order is written at the top of Proxy/Mesh.Proxy/README.md):
/// a namespace imports only namespaces of layers below it, never one above, never a peer of its own layer.</summary>
public sealed class LayeringTests
{
    private const string Root = "Mesh.Proxy";

    /// <summary>Bottom to top; namespaces in one row are peers (they must not import each other).</summary>
    internal static readonly string[][] Layers =
    [
        ["Wire"],
        ["Configuration"],
        ["Telemetry"],
        ["Errors"],
        ["Transport"],
        ["Identity"],
        ["ControlPlane"],
        ["Outbound.Resilience"],
        ["Outbound", "Inbound"],
        ["Gateway"],
        ["Admin"],
        ["Hosting", "Init"],
    ];

    [Fact]
    public void ProxySources_EveryImport_PointsToALowerLayer()
    {
        var dir = Path.Combine(RepoRoot(), "Proxy", "Mesh.Proxy");
        var files = Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(Path.GetRelativePath(dir, f)))
            .Select(f => (Path.GetRelativePath(dir, f), File.ReadAllText(f))).ToList();
        Assert.NotEmpty(files);
        var violations = Violations(files);
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public void Violations_UsingOfAHigherLayer_IsReported()
    {
        var violation = Assert.Single(Violations(
        [
            ("Wire/A.cs", "using Mesh.Proxy.Outbound;\nnamespace Mesh.Proxy.Wire;\ninternal static class A;"),
            ("Outbound/B.cs", "namespace Mesh.Proxy.Outbound;\ninternal static class B;"),
        ]));
        Assert.Contains("Mesh.Proxy.Wire imports Mesh.Proxy.Outbound", violation);
    }

    [Fact]
    public void Violations_FullyQualifiedReferenceToAPeer_IsReported()
    {
        var violation = Assert.Single(Violations(
        [
            ("Inbound/A.cs", "namespace Mesh.Proxy.Inbound;\ninternal static class A { static string X => Mesh.Proxy.Outbound.B.Name; }"),
            ("Outbound/B.cs", "namespace Mesh.Proxy.Outbound;\ninternal static class B { public const string Name = \"b\"; }"),
        ]));
        Assert.Contains("Mesh.Proxy.Inbound imports Mesh.Proxy.Outbound", violation);
    }

    [Fact]
    public void Violations_PartlyQualifiedReferenceUpward_IsReported()
    {
        var violation = Assert.Single(Violations(
        [
            ("Transport/A.cs", "namespace Mesh.Proxy.Transport;\ninternal sealed class A(Gateway.GatewayHandler gateway);"),
            ("Gateway/GatewayHandler.cs", "namespace Mesh.Proxy.Gateway;\ninternal sealed class GatewayHandler;"),
        ]));
        Assert.Contains("Mesh.Proxy.Transport imports Mesh.Proxy.Gateway", violation);
    }

    [Fact]
    public void Violations_NestedNamespaceUsingItsParentsType_IsReported()
    {
        var violation = Assert.Single(Violations(
        [
            ("Outbound/Resilience/A.cs", "namespace Mesh.Proxy.Outbound.Resilience;\ninternal sealed class A(ClusterRegistry clusters);"),
            ("Outbound/ClusterRegistry.cs", "namespace Mesh.Proxy.Outbound;\ninternal sealed class ClusterRegistry;"),
        ]));
        Assert.Contains("Mesh.Proxy.Outbound.Resilience imports Mesh.Proxy.Outbound", violation);
    }

    [Fact]
    public void Violations_Cycle_IsReported()
    {
        var violations = Violations(
        [
            ("Errors/A.cs", "using Mesh.Proxy.Telemetry;\nnamespace Mesh.Proxy.Errors;\ninternal static class A;"),
            ("Telemetry/B.cs", "using Mesh.Proxy.Errors;\nnamespace Mesh.Proxy.Telemetry;\ninternal static class B;"),
        ]);
        Assert.Contains(violations, v => v == "cycle: Mesh.Proxy.Errors, Mesh.Proxy.Telemetry");
    }

    [Fact]
    public void Violations_NamespaceNotInTheLayerOrder_IsReported()
    {
        var violation = Assert.Single(Violations([("Discovery/A.cs", "namespace Mesh.Proxy.Discovery;\ninternal static class A;")]));
        Assert.Contains("Mesh.Proxy.Discovery (Discovery/A.cs) is in no layer", violation);
    }

    [Fact]
    public void Violations_CommentsAndStringsNamingAHigherLayer_AreNotImports()
    {
        Assert.Empty(Violations(
        [
            ("Wire/A.cs", "namespace Mesh.Proxy.Wire;\n// see Mesh.Proxy.Outbound.B.Name\ninternal static class A { const string S = \"Mesh.Proxy.Outbound.B.\"; }"),
            ("Outbound/B.cs", "namespace Mesh.Proxy.Outbound;\ninternal static class B { public const string Name = \"b\"; }"),
        ]));
    }

    /// <summary>Each import that does not go strictly down, each namespace in no layer, and each cycle, as a line.</summary>
    private static List<string> Violations(IReadOnlyList<(string Path, string Text)> files)
    {
        var layerOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < Layers.Length; i++)
            foreach (var ns in Layers[i]) layerOf[$"{Root}.{ns}"] = i;
        var violations = new List<string>();
        foreach (var (path, text) in files)
        {
            if (LayerScan.NamespaceOf(text) is { } ns && !layerOf.ContainsKey(ns))
                violations.Add($"{ns} ({path}) is in no layer: add it to {nameof(Layers)} and to the README's layer order");
        }
        var edges = LayerScan.Edges(files, Root);
        foreach (var e in edges.OrderBy(e => e.From, StringComparer.Ordinal).ThenBy(e => e.To, StringComparer.Ordinal))
        {
            if (!layerOf.TryGetValue(e.From, out var from) || !layerOf.TryGetValue(e.To, out var to) || to < from) continue;
            violations.Add($"{e.From} imports {e.To} ({e.File}): {(to == from ? "a peer of its own layer" : "a higher layer")}");
        }
        foreach (var cycle in LayerScan.Cycles(edges)) violations.Add("cycle: " + string.Join(", ", cycle));
        return violations;
    }

    private static bool IsBuildOutput(string relative) =>
        relative.Split(Path.DirectorySeparatorChar) is [var first, ..] && first is "bin" or "obj";

    private static string RepoRoot()
    {
        if (Environment.GetEnvironmentVariable("MESH_REPO_ROOT") is { Length: > 0 } root) return root;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Mesh.sln"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (Mesh.sln); set MESH_REPO_ROOT");
    }
}
