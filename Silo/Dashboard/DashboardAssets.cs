using System.Collections.Frozen;
using System.Security.Cryptography;

namespace Mesh.Silo.Dashboard;

/// <summary>The dashboard's static files, embedded in the silo assembly (logical names "mesh.dashboard/&lt;file&gt;"), so the
/// silo serves them with no CDN, no internet and no content root. Loaded once; each carries a strong ETag.</summary>
internal sealed class DashboardAssets
{
    private const string Prefix = "mesh.dashboard/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary();

    public static readonly DashboardAssets Instance = Load();

    private readonly FrozenDictionary<string, Asset> _assets;

    private DashboardAssets(FrozenDictionary<string, Asset> assets) => _assets = assets;

    public IEnumerable<string> Names => _assets.Keys;

    public bool TryGet(string name, out Asset asset) => _assets.TryGetValue(name, out asset!);

    private static DashboardAssets Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var bytes = buffer.ToArray();
            var name = resource[Prefix.Length..];
            var type = ContentTypes.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream");
            assets[name] = new Asset(bytes, type, $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..16]}\"");
        }
        if (!assets.ContainsKey("index.html"))
            throw new InvalidOperationException("dashboard assets are missing from the silo assembly (EmbeddedResource Dashboard/Assets/**)");
        return new DashboardAssets(assets.ToFrozenDictionary(StringComparer.Ordinal));
    }

    internal sealed record Asset(byte[] Bytes, string ContentType, string ETag);
}
