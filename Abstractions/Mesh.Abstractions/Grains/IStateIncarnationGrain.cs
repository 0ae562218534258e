namespace Mesh.Abstractions.Grains;

/// <summary>The incarnation of the control plane's grain state: an id made the first time it is asked and kept in the
/// same storage as every resource and view. It changes exactly when that state is lost (a memory-storage silo
/// restarted, a deleted state.db, a flushed Redis), so a proxy can tell "the silo forgot" from "the policy changed".
/// Single grain, key "mesh".</summary>
[Alias("mesh.IStateIncarnationGrain")]
public interface IStateIncarnationGrain : IGrainWithStringKey
{
    [Alias("Get")] Task<string> GetAsync();
}
