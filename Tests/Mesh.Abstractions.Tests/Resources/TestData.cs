using System.Runtime.CompilerServices;

namespace Mesh.Abstractions.Tests.Resources;

/// <summary>Finds the testdata folders: cases are read from the build output; goldens are rewritten in the source tree
/// when MESH_UPDATE_GOLDENS=1 (then review the diff).</summary>
internal static class TestData
{
    public static string Output(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "testdata", .. parts]);

    public static string Source(string[] parts, [CallerFilePath] string self = "") =>
        Path.Combine([Path.GetDirectoryName(Path.GetDirectoryName(self))!, "testdata", .. parts]);

    public static bool Update => Environment.GetEnvironmentVariable("MESH_UPDATE_GOLDENS") == "1";

    public static TheoryData<string> Cases(string folder)
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(Output(folder)).Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(dir));
        return data;
    }
}
