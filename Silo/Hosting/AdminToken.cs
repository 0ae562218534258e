using System.Security.Cryptography;
using System.Text;

namespace Mesh.Silo.Hosting;

/// <summary>The bearer token admin writes require: 32 random bytes, base64url, kept in &lt;data-dir&gt;/admin-token
/// (mode 0600) so the CLI on the same machine can read it. Created on first start, reused afterwards.</summary>
public sealed class AdminToken
{
    private readonly byte[] _token;

    private AdminToken(string token) => _token = Encoding.UTF8.GetBytes(token);

    public static AdminToken LoadOrCreate(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (File.Exists(path))
        {
            var existing = File.ReadAllText(path).Trim();
            if (existing.Length >= 16) return new AdminToken(existing);
        }
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        var tmp = path + ".tmp";
        File.Delete(tmp);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(tmp, options))
            stream.Write(Encoding.UTF8.GetBytes(token + "\n"));
        File.Move(tmp, path, overwrite: true);
        return new AdminToken(token);
    }

    /// <summary>Constant-time check of an "Authorization: Bearer &lt;token&gt;" header value.</summary>
    public bool Accepts(string? authorizationHeader)
    {
        const string prefix = "Bearer ";
        if (authorizationHeader is null || !authorizationHeader.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return false;
        var presented = Encoding.UTF8.GetBytes(authorizationHeader[prefix.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(presented, _token);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
