using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;

namespace Mesh.Grains.Views;

/// <summary>One Service as the data plane sees it; null = it does not exist.</summary>
public sealed class ServiceGrain(
    [PersistentState("state", MeshNames.StateStore)] IPersistentState<ViewState<ServiceView?>> state)
    : ViewGrain<ServiceView?>(state, MeshStreams.Services), IServiceGrain
{
    protected override ServiceView? Initial(string ns, string name) => null;
    public Task<Versioned<ServiceView?>> GetAsync() => GetCoreAsync();
    public Task<long> SetAsync(ServiceView? view) => SetCoreAsync(view);
}
