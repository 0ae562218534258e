namespace Mesh.E2E.Tests.Support;

/// <summary>The binaries users run, as ./mesh builds them (MESH_CLI_BIN / MESH_PROXY_BIN from scripts/test.sh,
/// else .mesh-build/ under the repository root).</summary>
internal static class MeshBinaries
{
    public static string RepoRoot
    {
        get
        {
            if (Environment.GetEnvironmentVariable("MESH_REPO_ROOT") is { Length: > 0 } root) return root;
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Mesh.sln"))) return dir.FullName;
            throw new InvalidOperationException("cannot find the repository root (Mesh.sln); set MESH_REPO_ROOT");
        }
    }

    public static string Cli => Existing(Environment.GetEnvironmentVariable("MESH_CLI_BIN") is { Length: > 0 } p ? p : Path.Combine(RepoRoot, ".mesh-build", "cli", "mesh"));

    public static string Proxy => Existing(Environment.GetEnvironmentVariable("MESH_PROXY_BIN") is { Length: > 0 } p ? p : Path.Combine(RepoRoot, ".mesh-build", "proxy", "mesh-proxy"));

    private static string Existing(string path) => File.Exists(path) ? path
        : throw new InvalidOperationException($"{path} does not exist: run ./mesh once (or scripts/test.sh) to build it");

    /// <summary>Environment for a child `mesh`: the binaries above, nothing inherited that points at another silo.</summary>
    public static Dictionary<string, string?> ChildEnvironment(string? dataDir = null) => new()
    {
        ["MESH_CLI_BIN"] = Cli,
        ["MESH_PROXY_BIN"] = Proxy,
        ["MESH_DATA_DIR"] = dataDir,
        ["MESH_ADMIN_ADDR"] = null,
        ["MESH_CONTROL_ADDR"] = null,
        ["MESH_TOKEN"] = null,
        ["MESH_REDIS"] = null,
        ["NO_COLOR"] = "1",
    };
}
