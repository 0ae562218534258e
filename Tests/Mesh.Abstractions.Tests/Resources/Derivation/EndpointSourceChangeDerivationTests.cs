using System.Collections.Immutable;
using CsCheck;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;
using Mesh.Abstractions.Resources.Derivation;

namespace Mesh.Abstractions.Tests.Resources.Derivation;

/// <summary>Deriving only what changed Workloads and EndpointSlices move (<see cref="MeshReconciler.DeriveEndpointSourceChanges"/>)
/// gives the same views as deriving the whole namespace, after any sequence of Workload and EndpointSlice upserts and
/// deletes.</summary>
public sealed class EndpointSourceChangeDerivationTests
{
    /// <summary>Services over two labels (one with a named targetPort, one numeric, one matching nothing yet), a
    /// selector-less Service whose EndpointSlice names Pods w0..w2, and a Server, so endpoints, ports, inbound policy
    /// and slices all read the Workloads.</summary>
    private const string Fixed = """
        apiVersion: v1
        kind: Service
        metadata: {name: books, namespace: shop}
        spec: {selector: {app: a}, clusterIP: 10.96.0.1, ports: [{name: http, port: 80, targetPort: http}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: tiers, namespace: shop}
        spec: {selector: {app: b, tier: x}, ports: [{name: grpc, port: 90, targetPort: 9090}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: none, namespace: shop}
        spec: {selector: {app: c}, ports: [{port: 70, targetPort: 7070}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: sliced, namespace: shop}
        spec: {ports: [{name: http, port: 80, targetPort: 8080}]}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: sliced-1, namespace: shop, labels: {kubernetes.io/service-name: sliced}}
        addressType: IPv4
        ports: [{name: http, port: 8080}]
        endpoints:
          - {addresses: [10.3.0.1], targetRef: {kind: Pod, name: w0}}
          - {addresses: [10.3.0.2], targetRef: {kind: Pod, name: w1}}
          - {addresses: [10.3.0.3], conditions: {ready: false}, targetRef: {kind: Pod, name: w2}}
        ---
        apiVersion: policy.mesh.io/v1alpha1
        kind: Server
        metadata: {name: a-http, namespace: shop}
        spec: {podSelector: {matchLabels: {app: a}}, port: http, proxyProtocol: HTTP/1}
        """;

    private sealed record Workload(int Name, int App, bool Tier, int[] Addresses, bool Meshed, bool Ready, int Port);

    /// <summary>Names from a small pool (so upserts hit existing Workloads) and addresses from a small pool (so two
    /// Workloads contest one address, which the first by name keeps).</summary>
    private static readonly Gen<Workload> GenWorkload = Gen.Select(Gen.Int[0, 7], Gen.Int[0, 2], Gen.Bool, Gen.Int[1, 4].Array[1, 2],
        Gen.Bool, Gen.Bool, Gen.Int[0, 2].Select(i => new[] { 7001, 8080, 9090 }[i]))
        .Select((name, app, tier, addresses, meshed, ready, port) => new Workload(name, app, tier, addresses, meshed, ready, port));

    private static StoredResource Store(Workload w) => MeshReconcilerGoldenTests.Store($$$"""
        apiVersion: mesh.io/v1alpha1
        kind: Workload
        metadata: {name: w{{{w.Name}}}, namespace: shop, labels: {app: {{{"abc"[w.App]}}}{{{(w.Tier ? ", tier: x" : "")}}}}}
        spec:
          serviceAccount: sa-{{{w.Name}}}
          addresses: [{{{string.Join(", ", w.Addresses.Distinct().Select(a => $"10.1.0.{a}"))}}}]
          ports: [{name: http, port: {{{w.Port}}}}]
          {{{(w.Meshed ? "proxy: {}" : "")}}}
        status: {ready: {{{(w.Ready ? "true" : "false")}}}}
        """).Single();

    [Fact]
    public void DeriveEndpointSourceChanges_RandomUpsertsAndDeletes_SameAsDerivingTheWholeNamespace()
    {
        // A step: some Workloads upserted and some names (of the pool) deleted, as one catalog write.
        var step = Gen.Select(GenWorkload.Array[0, 3], Gen.Int[0, 7].Array[0, 2]);
        Gen.Select(GenWorkload.Array[0, 6], step.Array[1, 6]).Sample((initial, steps) =>
        {
            var fixedResources = MeshReconcilerGoldenTests.Store(Fixed);
            var resources = initial.GroupBy(w => w.Name).ToImmutableDictionary(g => g.Key, g => Store(g.Last()));
            var derived = Derive(fixedResources, resources);
            foreach (var (upserts, deletes) in steps)
            {
                var next = resources;
                foreach (var name in deletes) next = next.Remove(name);
                foreach (var w in upserts.GroupBy(w => w.Name).Select(g => g.Last())) next = next.SetItem(w.Name, Store(w));
                var changes = resources.Keys.Union(next.Keys).Distinct()
                    .Where(n => !ReferenceEquals(resources.GetValueOrDefault(n), next.GetValueOrDefault(n)))
                    .Select(n => new EndpointSourceChange(resources.GetValueOrDefault(n), next.GetValueOrDefault(n))).ToList();

                var incremental = MeshReconciler.DeriveEndpointSourceChanges("shop", derived, [.. fixedResources, .. next.Values], changes, ReconcileSettings.Default);
                var whole = Derive(fixedResources, next);
                Assert.Equal(ViewJson.Serialize(whole), ViewJson.Serialize(incremental));
                // Address claims are not in the namespace's JSON (it is what goldens show): compared on their own.
                Assert.Equal(Claims(whole), Claims(incremental));
                (resources, derived) = (next, incremental);
            }
        }, iter: 300);
    }

    private sealed record Slice(int Name, int Service, (int Pod, bool Ready)[] Endpoints, int Port);

    /// <summary>Slices from a small pool of names, each for one of: the selector-less Service, a Service with a selector
    /// (its endpoints then come from slices, not Workloads, and back when its last slice goes), the federated-less
    /// `none`, and a Service that does not exist; endpoints name pool Pods (synced or not).</summary>
    private static readonly Gen<Slice> GenSlice = Gen.Select(Gen.Int[0, 3], Gen.Int[0, 3],
        Gen.Select(Gen.Int[0, 7], Gen.Bool).Array[0, 3], Gen.Int[0, 1].Select(i => new[] { 8080, 9090 }[i]))
        .Select((name, service, endpoints, port) => new Slice(name, service, endpoints, port));

    private static StoredResource Store(Slice s) => MeshReconcilerGoldenTests.Store($$$"""
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: slice-{{{s.Name}}}, namespace: shop, labels: {kubernetes.io/service-name: {{{new[] { "sliced", "books", "none", "ghost" }[s.Service]}}}}}
        addressType: IPv4
        ports: [{name: http, port: {{{s.Port}}}}]
        endpoints: [{{{string.Join(", ", s.Endpoints.DistinctBy(e => e.Pod).Select(e =>
            $"{{addresses: [10.2.0.{e.Pod + 1}], conditions: {{ready: {(e.Ready ? "true" : "false")}}}, targetRef: {{kind: Pod, name: w{e.Pod}}}}}"))}}}]
        """).Single();

    [Fact]
    public void DeriveEndpointSourceChanges_RandomWorkloadAndSliceChanges_SameAsDerivingTheWholeNamespace()
    {
        // A step: Workloads and slices upserted, names of either pool deleted, as one catalog write.
        var step = Gen.Select(GenWorkload.Array[0, 2], GenSlice.Array[0, 2], Gen.Int[0, 7].Array[0, 1], Gen.Int[0, 3].Array[0, 1]);
        Gen.Select(GenWorkload.Array[0, 6], GenSlice.Array[0, 3], step.Array[1, 6]).Sample((workloads, slices, steps) =>
        {
            var fixedResources = MeshReconcilerGoldenTests.Store(Fixed);
            var resources = workloads.GroupBy(w => w.Name).ToImmutableDictionary(g => $"w{g.Key}", g => Store(g.Last()))
                .AddRange(slices.GroupBy(s => s.Name).Select(g => KeyValuePair.Create($"slice-{g.Key}", Store(g.Last()))));
            var derived = MeshReconciler.Derive("shop", [.. fixedResources, .. resources.Values], ReconcileSettings.Default);
            foreach (var (upserts, sliceUpserts, deletes, sliceDeletes) in steps)
            {
                var next = resources;
                foreach (var name in deletes) next = next.Remove($"w{name}");
                foreach (var name in sliceDeletes) next = next.Remove($"slice-{name}");
                foreach (var w in upserts.GroupBy(w => w.Name).Select(g => g.Last())) next = next.SetItem($"w{w.Name}", Store(w));
                foreach (var sl in sliceUpserts.GroupBy(s => s.Name).Select(g => g.Last())) next = next.SetItem($"slice-{sl.Name}", Store(sl));
                var changes = resources.Keys.Union(next.Keys).Distinct()
                    .Where(n => !ReferenceEquals(resources.GetValueOrDefault(n), next.GetValueOrDefault(n)))
                    .Select(n => new EndpointSourceChange(resources.GetValueOrDefault(n), next.GetValueOrDefault(n))).ToList();

                var incremental = MeshReconciler.DeriveEndpointSourceChanges("shop", derived, [.. fixedResources, .. next.Values], changes, ReconcileSettings.Default);
                var whole = MeshReconciler.Derive("shop", [.. fixedResources, .. next.Values], ReconcileSettings.Default);
                Assert.Equal(ViewJson.Serialize(whole), ViewJson.Serialize(incremental));
                Assert.Equal(Claims(whole), Claims(incremental));
                (resources, derived) = (next, incremental);
            }
        }, iter: 300);
    }

    [Fact]
    public void DeriveEndpointSourceChanges_OneSliceOfMany_RederivesOnlyItsService()
    {
        var fixedResources = MeshReconcilerGoldenTests.Store(Fixed);
        var workloads = Enumerable.Range(0, 8).Select(i => Store(new Workload(i, i % 3, i % 2 == 0, [i + 1], true, true, 7001))).ToList();
        var slice = Store(new Slice(0, 0, [(0, true), (1, true)], 8080));
        var before = MeshReconciler.Derive("shop", [.. fixedResources, .. workloads, slice], ReconcileSettings.Default);
        var changed = Store(new Slice(0, 0, [(0, true), (1, false), (4, true)], 8080));

        var after = MeshReconciler.DeriveEndpointSourceChanges("shop", before, [.. fixedResources, .. workloads, changed],
            [new EndpointSourceChange(slice, changed)], ReconcileSettings.Default);

        Assert.NotSame(before.EndpointSets["sliced"], after.EndpointSets["sliced"]);
        // sliced-1's three endpoints and this slice's three (w1 now not ready), merged by address.
        Assert.Equal(6, after.EndpointSets["sliced"].Endpoints.Length);
        Assert.False(after.EndpointSets["sliced"].Endpoints.Single(e => e.Address == "10.2.0.2").Ready);
        Assert.Same(before.EndpointSets["books"], after.EndpointSets["books"]);
        Assert.Same(before.Inbound, after.Inbound);
        Assert.Same(before.Services, after.Services);
        Assert.Same(before.Profiles, after.Profiles);
        Assert.Same(before.Addresses, after.Addresses);
    }

    [Fact]
    public void DeriveEndpointSourceChanges_OneWorkloadOfMany_KeepsEveryOtherViewInstance()
    {
        var fixedResources = MeshReconcilerGoldenTests.Store(Fixed);
        var resources = Enumerable.Range(0, 8).ToImmutableDictionary(i => i, i => Store(new Workload(i, i % 3, i % 2 == 0, [i + 1], true, true, 7001)));
        var before = Derive(fixedResources, resources);
        var changed = Store(new Workload(3, 0, false, [9], true, false, 7001)); // app a before and after: Service books only

        var after = MeshReconciler.DeriveEndpointSourceChanges("shop", before, [.. fixedResources, .. resources.SetItem(3, changed).Values],
            [new EndpointSourceChange(resources[3], changed)], ReconcileSettings.Default);

        Assert.Same(before.Inbound["w4"], after.Inbound["w4"]);
        Assert.NotSame(before.Inbound["w3"], after.Inbound["w3"]);
        Assert.Same(before.EndpointSets["none"], after.EndpointSets["none"]);
        Assert.Same(before.Services, after.Services);
        Assert.Same(before.Addresses["addr/10.1.0.1:7001"], after.Addresses["addr/10.1.0.1:7001"]);
    }

    private static string Claims(DerivedNamespace d) => ViewJson.Serialize(d.Addresses.ToImmutableSortedDictionary(StringComparer.Ordinal));

    private static DerivedNamespace Derive(ImmutableArray<StoredResource> fixedResources, ImmutableDictionary<int, StoredResource> workloads) =>
        MeshReconciler.Derive("shop", [.. fixedResources, .. workloads.Values], ReconcileSettings.Default);
}
