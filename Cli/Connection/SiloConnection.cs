using System.Diagnostics;
using System.Text.Json;

namespace Mesh.Cli.Connection;

/// <summary>Where the silo is and how to authenticate to it, resolved the same way for every command:
/// MESH_ADMIN_ADDR / MESH_CONTROL_ADDR, else the addresses a running silo wrote to &lt;data-dir&gt;/silo.json,
/// else 127.0.0.1:8085 / :8086. Data dir = MESH_DATA_DIR or ~/.mesh; token = MESH_TOKEN or &lt;data-dir&gt;/admin-token.</summary>
internal sealed record SiloConnection(Uri Admin, Uri Control, string DataDirectory, string? Token)
{
    public const string DefaultAdmin = "127.0.0.1:8085";
    public const string DefaultControl = "https://127.0.0.1:8086";
    public const string SiloFileName = "silo.json";
    public const string TokenFileName = "admin-token";

    public string TokenFile => Path.Combine(DataDirectory, TokenFileName);

    /// <summary>The mesh trust anchors the silo publishes; the CLI checks the control port's certificate against them.</summary>
    public string TrustAnchorsFile => Path.Combine(DataDirectory, "trust-anchors.pem");

    public static SiloConnection Resolve(CliContext context)
    {
        var env = context.GetEnvironmentVariable;
        var dataDir = NonEmpty(env("MESH_DATA_DIR")) ?? Path.Combine(context.HomeDirectory, ".mesh");
        var running = ReadSiloFile(Path.Combine(dataDir, SiloFileName));
        var admin = NonEmpty(env("MESH_ADMIN_ADDR")) ?? running?.Admin ?? DefaultAdmin;
        var control = NonEmpty(env("MESH_CONTROL_ADDR")) ?? running?.Control ?? DefaultControl;
        var token = NonEmpty(env("MESH_TOKEN")) ?? ReadToken(Path.Combine(dataDir, TokenFileName));
        // The silo serves its control port over mesh TLS unless told otherwise: a bare host:port means https.
        return new SiloConnection(ToUri(admin, "MESH_ADMIN_ADDR"), ToUri(control, "MESH_CONTROL_ADDR", Uri.UriSchemeHttps), dataDir, token);
    }

    /// <summary>"127.0.0.1:8085" or "http://127.0.0.1:8085" → an absolute http(s) URI.</summary>
    internal static Uri ToUri(string address, string source, string defaultScheme = "http")
    {
        var text = address.Contains("://", StringComparison.Ordinal) ? address : defaultScheme + "://" + address;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new CliException($"{source}: '{address}' is not an address", hint: "use host:port, e.g. 127.0.0.1:8085, or an http:// URL");
        // A trailing slash keeps a path prefix ("http://host/mesh") when API paths are resolved against it.
        return uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri + "/");
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string? ReadToken(string path)
    {
        try
        {
            return File.Exists(path) ? NonEmpty(File.ReadAllText(path)) : null;
        }
        catch (UnauthorizedAccessException)
        {
            // Unreadable token: the silo's 401 (if any) then tells the user what to do.
            return null;
        }
    }

    private sealed record RunningSilo(string? Admin, string? Control);

    /// <summary>The addresses a live silo published; a file left by a silo that has exited is ignored.</summary>
    private static RunningSilo? ReadSiloFile(string path)
    {
        if (!File.Exists(path))
            return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            if (root.TryGetProperty("pid", out var pid) && pid.TryGetInt32(out var id) && id > 0 && !IsAlive(id))
                return null;
            return new RunningSilo(String(root, "admin"), String(root, "control"));
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return null;
        }
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? NonEmpty(value.GetString()) : null;

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
