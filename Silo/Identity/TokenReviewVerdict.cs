using k8s.Models;

namespace Mesh.Silo.Identity;

/// <summary>Reads a TokenReview's status into a <see cref="TokenCheck"/>: authenticated, for audience
/// identity.mesh.io (confirmed in status.audiences), and a ServiceAccount's username
/// <c>system:serviceaccount:&lt;ns&gt;:&lt;sa&gt;</c>. Pure.</summary>
internal static class TokenReviewVerdict
{
    public const string Audience = "identity.mesh.io";
    private const string ServiceAccountPrefix = "system:serviceaccount:";

    public static TokenCheck Judge(V1TokenReviewStatus? status)
    {
        if (status is null) return TokenCheck.Fail(TokenFailure.Unavailable, "TokenReview answered without a status");
        if (status.Authenticated != true)
        {
            var why = string.IsNullOrEmpty(status.Error) ? "not authenticated" : status.Error;
            return TokenCheck.Fail(why.Contains("audience", StringComparison.OrdinalIgnoreCase)
                ? $"token audience rejected by TokenReview ({why}), want {Audience}: mount a projected ServiceAccount token with audience {Audience}"
                : $"TokenReview: {why}");
        }
        // An authenticator that ignores audiences answers authenticated with no audiences: the token is then only
        // good for the API server itself, and a token for another audience must not pass as ours.
        var audiences = status.Audiences ?? [];
        if (!audiences.Contains(Audience))
            return TokenCheck.Fail($"token audience [{string.Join(", ", audiences)}] confirmed by TokenReview, want {Audience}");
        var username = status.User?.Username ?? "";
        if (!TryParseServiceAccount(username, out var ns, out var sa))
            return TokenCheck.Fail(TokenFailure.NotAWorkload,
                $"token authenticates '{username}', not a service account (system:serviceaccount:<ns>:<sa>): present the pod's ServiceAccount token");
        return new TokenCheck(true, ns, sa, null);
    }

    public static bool TryParseServiceAccount(string username, out string ns, out string sa)
    {
        ns = sa = "";
        if (!username.StartsWith(ServiceAccountPrefix, StringComparison.Ordinal)) return false;
        var parts = username[ServiceAccountPrefix.Length..].Split(':');
        if (parts is not [{ Length: > 0 } n, { Length: > 0 } s]) return false;
        (ns, sa) = (n, s);
        return true;
    }
}
