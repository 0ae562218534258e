using System.Text.RegularExpressions;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.ControlPlane.Tests.Support;

namespace Mesh.ControlPlane.Tests.Stats;

/// <summary>The silo's `GET /metrics` says what it costs: GC heap after the last collection, and live activations by
/// grain type (Orleans' created and destroyed counters; Orleans' other instruments are not exported).</summary>
[Collection(SiloCollection.Name)]
public sealed class SiloRuntimeMetricsTests(SiloFixture silo)
{
    [Fact]
    public async Task Metrics_GcHeapAndActivationsByGrainType_OtherOrleansInstrumentsDropped()
    {
        // A partition grain activated here, so its type is counted.
        var ns = "metrics-" + Guid.NewGuid().ToString("N")[..8];
        await silo.Grains.GetGrain<IInboundPoliciesGrain>(MeshNames.InboundPartition(ns, "w")).GetAsync("w");

        var text = await silo.Admin.GetStringAsync("/metrics");

        var heap = Regex.Matches(text, @"^dotnet_gc_last_collection_heap_size_bytes\{[^}]*\} (\d+)", RegexOptions.Multiline);
        Assert.NotEmpty(heap);
        Assert.True(heap.Sum(m => long.Parse(m.Groups[1].Value)) > 0);
        Assert.Matches(new Regex(@"^orleans_catalog_activation_created_total\{[^}]*grain_type=""inboundpolicies""[^}]*\} [1-9]", RegexOptions.Multiline), text);
        Assert.DoesNotMatch(new Regex(@"^orleans_catalog_activation_latency", RegexOptions.Multiline), text);
        Assert.DoesNotMatch(new Regex(@"^orleans_messaging_", RegexOptions.Multiline), text);
    }
}
