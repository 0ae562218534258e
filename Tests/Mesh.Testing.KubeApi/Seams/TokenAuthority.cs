using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Mesh.Testing.KubeApi.Seams;

/// <summary>The bearer tokens the fake knows: the admin's, user tokens and ServiceAccount tokens a test mints with
/// audiences and an expiry (opaque strings; the audience and expiry checks are real). Requests authenticate with
/// tokens for the API server's audience; TokenReview checks a token against the audiences it asks for.</summary>
public sealed class TokenAuthority(TimeProvider time)
{
    /// <summary>The API server's own audience (what a pod's default token is for).</summary>
    public const string ApiAudience = "https://kubernetes.default.svc.cluster.local";

    private sealed record Minted(KubeUser User, IReadOnlyList<string>? Audiences, DateTimeOffset? Expires);

    private readonly ConcurrentDictionary<string, Minted> _tokens = new();

    /// <summary>false: TokenReview answers like an authenticator that ignores audiences (authenticated, with an empty
    /// <c>status.audiences</c>), which a client that asked for an audience must refuse.</summary>
    public bool AudienceAware { get; set; } = true;

    /// <summary>A token for user <paramref name="name"/> without expiry: audience-agnostic (a static token's, good for
    /// the API server only) unless <paramref name="audiences"/> are given (an OIDC token's <c>aud</c>).</summary>
    public string MintUser(string name, IReadOnlyList<string>? groups = null, IReadOnlyList<string>? audiences = null)
    {
        var token = NewToken();
        _tokens[token] = new Minted(new KubeUser(name, [.. groups ?? [], "system:authenticated"]), audiences, null);
        return token;
    }

    /// <summary>A projected ServiceAccount token for ns/sa, for <paramref name="audiences"/> (default: the API
    /// server's), valid until <paramref name="expires"/> (default: an hour from now).</summary>
    public string MintServiceAccount(string ns, string serviceAccount, IReadOnlyList<string>? audiences = null, DateTimeOffset? expires = null)
    {
        var token = NewToken();
        var user = new KubeUser($"system:serviceaccount:{ns}:{serviceAccount}",
            ["system:serviceaccounts", $"system:serviceaccounts:{ns}", "system:authenticated"]);
        _tokens[token] = new Minted(user, audiences ?? [ApiAudience], expires ?? time.GetUtcNow().AddHours(1));
        return token;
    }

    internal void Add(string token, KubeUser user) => _tokens[token] = new Minted(user, null, null);

    /// <summary>Who a request's bearer token is, if it is valid for the API server.</summary>
    internal KubeUser? Authenticate(string token) => Review(token, [ApiAudience]).User;

    /// <summary>What TokenReview answers: the user and the audiences it is good for (the intersection), or the error.</summary>
    internal (KubeUser? User, IReadOnlyList<string> Audiences, string? Error) Review(string token, IReadOnlyList<string> wanted)
    {
        if (!_tokens.TryGetValue(token, out var minted)) return (null, [], "[invalid bearer token, token lookup failed]");
        if (minted.Expires is { } exp && time.GetUtcNow() >= exp) return (null, [], "[invalid bearer token, service account token has expired]");
        if (!AudienceAware) return (minted.User, [], null);
        // An audience-agnostic token is good for the API server's own audience only (the API server's
        // WrapAudienceAgnosticToken).
        var has = minted.Audiences ?? [ApiAudience];
        var wantedOrApi = wanted.Count > 0 ? wanted : [ApiAudience];
        var common = wantedOrApi.Where(has.Contains).ToList();
        if (common.Count == 0)
            return (null, [], $"[invalid bearer token, token audiences [{Quote(has)}] is invalid for the target audiences [{Quote(wantedOrApi)}]]");
        return (minted.User, wanted.Count > 0 ? common : [], null);
    }

    private static string Quote(IEnumerable<string> values) => string.Join(" ", values.Select(v => $"\"{v}\""));

    private static string NewToken() => Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
}
