using System.Text.Json.Nodes;
using Mesh.Kubernetes.Tests.KubeApi;

namespace Mesh.Kubernetes.Tests.Deploy;

/// <summary>The real `mesh install` / `mesh uninstall` as processes (the CLI built next to the tests, mesh.dll), as a
/// user pipes them into kubectl.</summary>
internal static class MeshInstall
{
    public static async Task<string> RenderAsync(params string[] args) => await RunAsync(["install", .. args]);

    public static async Task<string> UninstallAsync(params string[] args) => await RunAsync(["uninstall", .. args]);

    public static async Task<List<JsonObject>> DocumentsAsync(params string[] args) => YamlJson.Documents(await RenderAsync(args));

    private static async Task<string> RunAsync(string[] args)
    {
        var result = await ChildProcess.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "mesh.dll"), .. args], timeout: TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, $"mesh {string.Join(' ', args)}: {result}");
        return result.Stdout;
    }

    /// <summary>The repository root (MESH_REPO_ROOT, else the folder above the tests holding Mesh.sln).</summary>
    public static string RepoRoot()
    {
        if (Environment.GetEnvironmentVariable("MESH_REPO_ROOT") is { Length: > 0 } root) return root;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Mesh.sln"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (Mesh.sln); set MESH_REPO_ROOT");
    }
}
