using System.Collections.Immutable;
using Mesh.Abstractions.Model;

namespace Mesh.Abstractions.Grains;

/// <summary>Which Services of the cluster carry an export label (<see cref="Multicluster.ExportSelector"/>), per
/// namespace: the index the federation API starts from. Single grain, key <see cref="Key"/>; each namespace's catalog
/// writes only its own entry. Publishes on <see cref="MeshStreams.Exports"/>.</summary>
[Alias("mesh.IExportDirectoryGrain")]
public interface IExportDirectoryGrain : IGrainWithStringKey
{
    public const string Key = "mesh/exports";

    [Alias("Get")] Task<Versioned<ExportDirectoryView>> GetAsync();
    /// <summary>Sets namespace <paramref name="ns"/>'s exported Service names (empty removes it); unchanged is no change.</summary>
    [Alias("Claim")] Task<long> ClaimAsync(string ns, ImmutableArray<string> services);
}
