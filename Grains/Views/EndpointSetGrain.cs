using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;

namespace Mesh.Grains.Views;

/// <summary>The workloads behind one Service; never set = empty.</summary>
public sealed class EndpointSetGrain(
    [PersistentState("state", MeshNames.StateStore)] IPersistentState<ViewState<EndpointSetView>> state)
    : ViewGrain<EndpointSetView>(state, MeshStreams.EndpointSets), IEndpointSetGrain
{
    protected override EndpointSetView Initial(string ns, string name) => EndpointSetView.Empty(ns, name);
    public Task<Versioned<EndpointSetView>> GetAsync() => GetCoreAsync();
    public Task<long> SetAsync(EndpointSetView view) => SetCoreAsync(view);
}
