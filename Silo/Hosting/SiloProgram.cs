namespace Mesh.Silo;

/// <summary>Entry point of the control-plane host; `mesh silo` calls the same method.</summary>
public static class SiloProgram
{
    public static Task<int> RunAsync(string[] args) => Task.FromResult(0);
}
