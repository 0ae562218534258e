namespace Mesh.Fuzz.Tests.Fuzzing;

/// <summary>How many cases each target runs: a small slice in CI, MESH_FUZZ_ITERATIONS (e.g. 100000) on demand.</summary>
internal static class FuzzBudget
{
    public const string Variable = "MESH_FUZZ_ITERATIONS";

    /// <summary>Cases for a target whose CI slice is <paramref name="ci"/> (chosen so the whole project stays ~30 s on 2 loaded cores).</summary>
    public static long Cases(long ci) =>
        long.TryParse(Environment.GetEnvironmentVariable(Variable), out var n) && n > 0 ? n : ci;
}
