using System.Collections.Immutable;
using CsCheck;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;
using Mesh.Abstractions.Resources.Derivation;

namespace Mesh.Abstractions.Tests.Resources.Derivation;

/// <summary>Deriving only what changed Workloads move (<see cref="MeshReconciler.DeriveWorkloadChanges"/>) gives the
/// same views as deriving the whole namespace, after any sequence of Workload upserts and deletes.</summary>
public sealed class WorkloadChangeDerivationTests
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
    public void DeriveWorkloadChanges_RandomUpsertsAndDeletes_SameAsDerivingTheWholeNamespace()
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
                    .Select(n => new WorkloadChange(resources.GetValueOrDefault(n), next.GetValueOrDefault(n))).ToList();

                var incremental = MeshReconciler.DeriveWorkloadChanges("shop", derived, [.. fixedResources, .. next.Values], changes, ReconcileSettings.Default);
                var whole = Derive(fixedResources, next);
                Assert.Equal(ViewJson.Serialize(whole), ViewJson.Serialize(incremental));
                // Address claims are not in the namespace's JSON (it is what goldens show): compared on their own.
                Assert.Equal(Claims(whole), Claims(incremental));
                (resources, derived) = (next, incremental);
            }
        }, iter: 300);
    }

    [Fact]
    public void DeriveWorkloadChanges_OneWorkloadOfMany_KeepsEveryOtherViewInstance()
    {
        var fixedResources = MeshReconcilerGoldenTests.Store(Fixed);
        var resources = Enumerable.Range(0, 8).ToImmutableDictionary(i => i, i => Store(new Workload(i, i % 3, i % 2 == 0, [i + 1], true, true, 7001)));
        var before = Derive(fixedResources, resources);
        var changed = Store(new Workload(3, 0, false, [9], true, false, 7001)); // app a before and after: Service books only

        var after = MeshReconciler.DeriveWorkloadChanges("shop", before, [.. fixedResources, .. resources.SetItem(3, changed).Values],
            [new WorkloadChange(resources[3], changed)], ReconcileSettings.Default);

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
