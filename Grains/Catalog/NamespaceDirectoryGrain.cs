using System.Collections.Immutable;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;

namespace Mesh.Grains.Catalog;

/// <summary>Namespaces that ever held a resource (single grain, key "mesh").</summary>
public sealed class NamespaceDirectoryGrain(
    [PersistentState("state", MeshNames.StateStore)] IPersistentState<NamespaceDirectoryState> state)
    : Grain, INamespaceDirectoryGrain
{
    public const string Key = "mesh";

    public async Task AddAsync(string ns)
    {
        if (state.State.Namespaces.Contains(ns)) return;
        state.State = state.State with { Namespaces = state.State.Namespaces.Add(ns) };
        await state.WriteStateAsync();
    }

    public Task<ImmutableArray<string>> ListAsync() =>
        Task.FromResult(state.State.Namespaces.Order(StringComparer.Ordinal).ToImmutableArray());
}

[GenerateSerializer, Alias("mesh.NamespaceDirectoryState")]
public sealed record NamespaceDirectoryState
{
    [Id(0)] public ImmutableHashSet<string> Namespaces { get; init; } = ImmutableHashSet<string>.Empty;
}
