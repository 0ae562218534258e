namespace Mesh.Cli.Local;

/// <summary>Where the executables `mesh` starts live: the proxy (MESH_PROXY_BIN, else beside the CLI build as
/// ../proxy/mesh-proxy, which is where ./mesh builds it) and the CLI itself (for the silo and demo apps).</summary>
internal static class MeshBinaries
{
    public static string Proxy(CliContext context)
    {
        if (context.GetEnvironmentVariable("MESH_PROXY_BIN") is { Length: > 0 } configured)
            return File.Exists(configured) ? configured
                : throw new CliException($"MESH_PROXY_BIN={configured} does not exist", hint: "run ./mesh once to build the proxy, or fix the path");
        var beside = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "proxy", "mesh-proxy"));
        return File.Exists(beside) ? beside
            : throw new CliException("cannot find the mesh-proxy executable", hint: "run the CLI through ./mesh (it builds the proxy), or set MESH_PROXY_BIN");
    }

    /// <summary>The command line that runs this CLI again: the apphost when there is one, else `dotnet mesh.dll`.</summary>
    public static (string File, string[] Prefix) Cli(CliContext context)
    {
        if (context.GetEnvironmentVariable("MESH_CLI_BIN") is { Length: > 0 } configured && File.Exists(configured))
            return (configured, []);
        var apphost = Path.Combine(AppContext.BaseDirectory, "mesh");
        if (File.Exists(apphost)) return (apphost, []);
        return ("dotnet", [Path.Combine(AppContext.BaseDirectory, "mesh.dll")]);
    }
}
