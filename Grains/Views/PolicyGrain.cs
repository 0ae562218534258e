using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;

namespace Mesh.Grains.Views;

/// <summary>Routing profile of one Service ("ns/name"), or the GAMMA consumer routes one namespace attaches to it
/// ("ns/name@consumer-ns"); never set = the default profile (no routes, default failure accrual).</summary>
public sealed class PolicyGrain(
    [PersistentState("state", MeshNames.StateStore)] IPersistentState<ViewState<ProfileView>> state)
    : ViewGrain<ProfileView>(state, MeshStreams.Profiles), IPolicyGrain
{
    protected override ProfileView Initial(string ns, string name) => ProfileView.Default(ns, name.Split('@')[0]);
    public Task<Versioned<ProfileView>> GetAsync() => GetCoreAsync();
    public Task<long> SetAsync(ProfileView view) => SetCoreAsync(view);
}
