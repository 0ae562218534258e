using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;

namespace Mesh.Grains.Views;

/// <summary>Routing profile of one Service ("ns/name"), or the GAMMA consumer routes one namespace attaches to it
/// ("ns/name@consumer-ns"); never set = the default profile (no routes, default failure accrual).</summary>
/// <remarks>Grain type "policy": this class was PolicyGrain, and Orleans' default type name of that class is part of
/// every stored state's id (SQLite <c>grain_state.grain_id</c> "policy/&lt;ns&gt;/&lt;name&gt;", the Redis key) and of
/// every grain id sent between silos. Changing it loses every stored profile on upgrade (StoredGrainIdsTests).</remarks>
[GrainType("policy")]
public sealed class ProfileGrain(
    [PersistentState("state", MeshNames.StateStore)] IPersistentState<ViewState<ProfileView>> state)
    : ViewGrain<ProfileView>(state, MeshStreams.Profiles), IProfileGrain
{
    protected override ProfileView Initial(string ns, string name) => ProfileView.Default(ns, name.Split('@')[0]);
    public Task<Versioned<ProfileView>> GetAsync() => GetCoreAsync();
    public Task<long> SetAsync(ProfileView view) => SetCoreAsync(view);
}
