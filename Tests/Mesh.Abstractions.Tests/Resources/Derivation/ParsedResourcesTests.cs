using System.Collections.Immutable;
using CsCheck;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;
using Mesh.Abstractions.Resources.Derivation;

namespace Mesh.Abstractions.Tests.Resources.Derivation;

public sealed class ParsedResourcesTests
{
    private static StoredResource Workload(string name, string ip, bool ready, string app = "books") =>
        MeshReconcilerGoldenTests.Store($"""
            apiVersion: mesh.io/v1alpha1
            kind: Workload
            metadata: {"{"}name: {name}, namespace: shop, labels: {"{"}app: {app}{"}"}{"}"}
            spec: {"{"}serviceAccount: books, addresses: [{ip}], ports: [{"{"}name: http, port: 7001{"}"}], proxy: {"{}"}{"}"}
            status: {"{"}ready: {(ready ? "true" : "false")}{"}"}
            """).Single();

    private static readonly StoredResource Service = MeshReconcilerGoldenTests.Store("""
        apiVersion: v1
        kind: Service
        metadata: {name: books, namespace: shop}
        spec: {selector: {app: books}, ports: [{name: http, port: 8080, targetPort: 7001}]}
        """).Single();

    [Fact]
    public void Of_SameInstance_ParsedOnce()
    {
        var stored = Workload("w", "10.0.0.1", true);

        Assert.Same(ParsedResources.Of(stored), ParsedResources.Of(stored));
    }

    [Fact]
    public void Of_EqualResourceNewInstance_ParsedAgainWithItsOwnJson()
    {
        var stored = Workload("w", "10.0.0.1", true);
        var relabelled = stored with { Json = stored.Json.Replace("\"books\"", "\"shelves\"", StringComparison.Ordinal) };

        Assert.Equal("books", ParsedResources.Of(stored)!.Metadata.Labels["app"]);
        Assert.Equal("shelves", ParsedResources.Of(relabelled)!.Metadata.Labels["app"]);
    }

    [Fact]
    public void Of_UnreadableJson_Null()
    {
        Assert.Null(ParsedResources.Of(new StoredResource("Workload", "shop", "w", "{not json", 1)));
        Assert.Null(ParsedResources.Of(new StoredResource("Gadget", "shop", "g", "{}", 1)));
    }

    /// <summary>Deriving after a change from the instances a catalog keeps (parsed once, earlier) gives the same views
    /// as deriving from freshly read copies of the same resources: the cache never shows a stale document.</summary>
    [Fact]
    public void Derive_CachedInstancesAfterChanges_EqualsFreshDerivation()
    {
        var change = Gen.Select(Gen.Int[0, 19], Gen.Bool, Gen.OneOf<string>("books", "other"));
        Gen.Select(Gen.Bool.Array[20], change.Array[1, 6]).Sample((ready, changes) =>
        {
            var resources = Enumerable.Range(0, ready.Length)
                .Select(i => Workload($"w{i}", $"10.0.0.{i + 1}", ready[i])).Prepend(Service).ToList();
            MeshReconciler.Derive("shop", resources, ReconcileSettings.Default); // parse (and cache) every instance
            foreach (var (index, isReady, app) in changes)
            {
                resources[index + 1] = Workload($"w{index}", $"10.0.0.{index + 1}", isReady, app);
                var cached = MeshReconciler.Derive("shop", resources, ReconcileSettings.Default);
                var fresh = MeshReconciler.Derive("shop", resources.Select(r => r with { }).ToList(), ReconcileSettings.Default);
                Assert.True(ViewEquality.Equal(fresh.EndpointSets, cached.EndpointSets));
                Assert.True(ViewEquality.Equal(fresh.Inbound, cached.Inbound));
                Assert.True(ViewEquality.Equal(fresh.Addresses, cached.Addresses));
            }
        });
    }
}
