using System.Collections.Immutable;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;

namespace Mesh.Grains.Identity;

/// <summary>The set of identities ever certified.</summary>
internal sealed class IdentityDirectoryGrain(
    [PersistentState("state", MeshNames.StateStore)] IPersistentState<IdentityDirectoryState> state) : Grain, IIdentityDirectoryGrain
{
    public const string Key = "mesh";

    public async Task AddAsync(string identityKey)
    {
        if (state.State.Identities.Contains(identityKey)) return;
        state.State = state.State with { Identities = state.State.Identities.Add(identityKey) };
        await state.WriteStateAsync();
    }

    public Task<ImmutableArray<string>> ListAsync() => Task.FromResult(state.State.Identities.ToImmutableArray());
}

[GenerateSerializer, Alias("mesh.IdentityDirectoryState")]
public sealed record IdentityDirectoryState
{
    [Id(0)] public ImmutableSortedSet<string> Identities { get; init; } = ImmutableSortedSet<string>.Empty;
}
