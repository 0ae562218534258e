using Mesh.Abstractions;
using Mesh.Abstractions.Grains;

namespace Mesh.Grains.State;

/// <summary>Makes the state's incarnation id on first use and persists it beside everything else.</summary>
internal sealed class StateIncarnationGrain(
    [PersistentState("state", MeshNames.StateStore)] IPersistentState<StateIncarnationState> state) : Grain, IStateIncarnationGrain
{
    public async Task<string> GetAsync()
    {
        if (state.State.Id.Length == 0)
        {
            state.State = new StateIncarnationState { Id = Guid.NewGuid().ToString("N") };
            await state.WriteStateAsync();
        }
        return state.State.Id;
    }
}

[GenerateSerializer, Alias("mesh.StateIncarnationState")]
public sealed record StateIncarnationState
{
    [Id(0)] public string Id { get; init; } = "";
}
