namespace Mesh.Cli.Tests.EndToEnd;

/// <summary>Where the mesh-proxy executable the end-to-end tests start is: MESH_PROXY_BIN, else the one ./mesh builds.</summary>
internal static class BuiltProxy
{
    public static string Path()
    {
        if (Environment.GetEnvironmentVariable("MESH_PROXY_BIN") is { Length: > 0 } configured)
            return configured;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var built = System.IO.Path.Combine(dir.FullName, ".mesh-build", "proxy", "mesh-proxy");
            if (File.Exists(built))
                return built;
        }
        throw new InvalidOperationException("mesh-proxy not found: run ./mesh once (it builds .mesh-build/proxy) or set MESH_PROXY_BIN");
    }
}
