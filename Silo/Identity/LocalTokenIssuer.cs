using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.Silo.Identity;

/// <summary>Issues and checks the workload tokens of local mode (the role a Kubernetes ServiceAccount token plays):
/// "mesh1.&lt;payload&gt;.&lt;mac&gt;", payload = base64url JSON {ns, sa, iat, exp}, mac = HMAC-SHA256 under a key kept
/// in the data dir (0600). Pure apart from the key; time is injected.</summary>
internal sealed class LocalTokenIssuer(byte[] key, TimeProvider time)
{
    private const string Prefix = "mesh1.";
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(30);
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(366);

    /// <summary>Loads the signing key from <paramref name="path"/>, creating it (32 random bytes, mode 0600) if absent.</summary>
    public static byte[] LoadOrCreateKey(string path)
    {
        if (File.Exists(path))
        {
            var existing = File.ReadAllBytes(path);
            if (existing.Length < 32)
                throw new InvalidDataException($"token key {path} is {existing.Length} bytes, expected 32; delete it to make a new one (old tokens stop working)");
            return existing;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var created = RandomNumberGenerator.GetBytes(32);
        SecretFile.Write(path, created);
        return created;
    }

    public string Issue(string ns, string serviceAccount, TimeSpan? lifetime = null)
    {
        var ttl = lifetime ?? DefaultLifetime;
        if (ttl <= TimeSpan.Zero || ttl > MaxLifetime)
            throw new ArgumentOutOfRangeException(nameof(lifetime), $"token lifetime must be between 1s and {MaxLifetime.TotalDays:0} days");
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var payload = new TokenPayload(ns, serviceAccount, now, now + (long)ttl.TotalSeconds);
        var body = Base64Url(JsonSerializer.SerializeToUtf8Bytes(payload, TokenJson.Default.TokenPayload));
        return Prefix + body + "." + Base64Url(Mac(body));
    }

    /// <summary>Checks a token; on success returns the namespace and service account it was issued for.</summary>
    public TokenCheck Check(string? token)
    {
        if (string.IsNullOrEmpty(token)) return TokenCheck.Fail("no token");
        if (!token.StartsWith(Prefix, StringComparison.Ordinal)) return TokenCheck.Fail("not a mesh token (expected 'mesh1.' prefix)");
        var rest = token.AsSpan(Prefix.Length);
        var dot = rest.IndexOf('.');
        if (dot <= 0) return TokenCheck.Fail("malformed token");
        var body = rest[..dot].ToString();
        byte[] mac;
        TokenPayload? payload;
        try
        {
            mac = FromBase64Url(rest[(dot + 1)..].ToString());
            payload = JsonSerializer.Deserialize(FromBase64Url(body), TokenJson.Default.TokenPayload);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return TokenCheck.Fail("malformed token");
        }
        if (!CryptographicOperations.FixedTimeEquals(mac, Mac(body))) return TokenCheck.Fail("token signature does not verify (issued by another silo?)");
        if (payload is null || string.IsNullOrEmpty(payload.Ns) || string.IsNullOrEmpty(payload.Sa)) return TokenCheck.Fail("malformed token");
        if (time.GetUtcNow().ToUnixTimeSeconds() >= payload.Exp) return TokenCheck.Fail("token expired; issue a new one with `mesh identity token`");
        return new TokenCheck(true, payload.Ns, payload.Sa, null);
    }

    private byte[] Mac(string body) => HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(body));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '='));
    }
}

/// <summary>Result of checking a token: who it names, or why it was refused (and which kind of refusal it is).</summary>
internal sealed record TokenCheck(bool Valid, string? Namespace, string? ServiceAccount, string? Error,
    TokenFailure Failure = TokenFailure.Unauthenticated)
{
    public static TokenCheck Fail(string error) => new(false, null, null, error);
    public static TokenCheck Fail(TokenFailure failure, string error) => new(false, null, null, error, failure);
}

internal sealed record TokenPayload(
    [property: JsonPropertyName("ns")] string Ns,
    [property: JsonPropertyName("sa")] string Sa,
    [property: JsonPropertyName("iat")] long Iat,
    [property: JsonPropertyName("exp")] long Exp);

[JsonSerializable(typeof(TokenPayload))]
internal sealed partial class TokenJson : JsonSerializerContext;
