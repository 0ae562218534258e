using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.Silo.Hosting;

/// <summary>&lt;data-dir&gt;/silo.json: where a running silo listens, so the CLI can find it without flags.</summary>
public sealed record SiloInfo(
    [property: JsonPropertyName("admin")] string Admin,
    [property: JsonPropertyName("control")] string Control,
    [property: JsonPropertyName("pid")] int Pid);

public static class SiloInfoFile
{
    public static void Write(string path, SiloInfo info)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var tmp = $"{path}.{info.Pid}.tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(info) + "\n");
        File.Move(tmp, path, overwrite: true);
    }

    public static SiloInfo? Read(string path)
    {
        try { return JsonSerializer.Deserialize<SiloInfo>(File.ReadAllText(path)); }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>Removes the file if it still describes this process (another silo may have replaced it).</summary>
    public static void RemoveIfOwned(string path, int pid)
    {
        if (Read(path) is { } info && info.Pid == pid) File.Delete(path);
    }
}
