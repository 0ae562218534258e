using System.Collections.Immutable;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.Grains.Views;

namespace Mesh.Grains.Federation;

/// <summary>The cluster's exported-Service index; never set = nothing exported. Each namespace's catalog writes its own entry.</summary>
public sealed class ExportDirectoryGrain(
    [PersistentState("state", Abstractions.MeshNames.StateStore)] IPersistentState<ViewState<ExportDirectoryView>> state)
    : ViewGrain<ExportDirectoryView>(state, MeshStreams.Exports), IExportDirectoryGrain
{
    protected override ExportDirectoryView Initial(string ns, string name) => ExportDirectoryView.Empty;

    public Task<Versioned<ExportDirectoryView>> GetAsync() => GetCoreAsync();

    public async Task<long> ClaimAsync(string ns, ImmutableArray<string> services)
    {
        var current = (await GetCoreAsync()).Value;
        var sorted = services.IsDefaultOrEmpty ? [] : services.Distinct().Order(StringComparer.Ordinal).ToImmutableArray();
        var next = sorted.IsEmpty ? current.Namespaces.Remove(ns) : current.Namespaces.SetItem(ns, sorted);
        return await SetCoreAsync(current with { Namespaces = next });
    }
}
