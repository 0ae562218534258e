using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.Abstractions.Resources;

namespace Mesh.Grains.Views;

/// <summary>Inbound policy of one workload; never set = "missing" with the default policy.</summary>
public sealed class InboundPolicyGrain(
    [PersistentState("state", MeshNames.StateStore)] IPersistentState<ViewState<InboundPolicyView>> state)
    : ViewGrain<InboundPolicyView>(state, MeshStreams.Inbound), IInboundPolicyGrain
{
    protected override InboundPolicyView Initial(string ns, string name) =>
        InboundPolicyView.Missing(ns, name, ReconcileSettings.Default.DefaultPolicy);
    public Task<Versioned<InboundPolicyView>> GetAsync() => GetCoreAsync();
    public Task<long> SetAsync(InboundPolicyView view) => SetCoreAsync(view);
}
