using System.Collections.Immutable;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.Abstractions.Resources;
using Mesh.Grains.State;

namespace Mesh.Grains.Views;

/// <summary>Inbound policies of the workloads of one partition of a namespace (<see cref="MeshNames.InboundPartition"/>);
/// a workload never set = "missing" with the default policy.</summary>
public sealed class InboundPoliciesGrain(
    [PersistentState("state", MeshNames.StateStore)] IPersistentState<PartitionState<InboundPolicyView>> snapshot,
    [PersistentState("log", MeshNames.StateStore)] IPersistentState<DeltaLog<ViewPartitionChange<InboundPolicyView>>> log)
    : PartitionViewGrain<InboundPolicyView>(snapshot, log, MeshStreams.InboundPartitions), IInboundPoliciesGrain
{
    private string Namespace => MeshNames.SplitKey(this.GetPrimaryKeyString()).Namespace;

    protected override InboundPolicyView Initial(string key) => InboundPolicyView.Missing(Namespace, key, ReconcileSettings.Default.DefaultPolicy);

    public Task<Versioned<InboundPolicyView>> GetAsync(string workload) => Task.FromResult(Get(workload));

    public Task SetAsync(ImmutableArray<InboundPolicyView> views)
    {
        foreach (var v in views)
            if (v.Namespace != Namespace || MeshNames.InboundPartition(v.Namespace, v.Workload) != this.GetPrimaryKeyString())
                throw new ArgumentException($"inbound policy {v.Namespace}/{v.Workload} does not belong to partition {this.GetPrimaryKeyString()}", nameof(views));
        return SetManyAsync(views.Select(v => (v.Workload, v)));
    }
}
