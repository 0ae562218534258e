using System.Text.Json.Nodes;
using Mesh.Testing.KubeApi.Seams;

namespace Mesh.Testing.KubeApi.Http;

/// <summary>The create-only review kinds: TokenReview (authentication.k8s.io/v1) answered from the
/// <see cref="TokenAuthority"/>, SelfSubjectAccessReview (authorization.k8s.io/v1) answered by the authorizer for the
/// requesting user, SubjectAccessReview (authorization.k8s.io/v1) answered by the authorizer for the user in its spec.
/// Shapes and validation messages as the API server's registries.</summary>
internal static class Reviews
{
    public static Outcome<JsonObject> Create(string resource, JsonNode? body, KubeUser user, TokenAuthority tokens, IKubeAuthorizer authorizer) => resource switch
    {
        "tokenreviews" => TokenReview(body, tokens),
        "selfsubjectaccessreviews" => AccessReview(body, user, authorizer, "SelfSubjectAccessReview"),
        "subjectaccessreviews" => SubjectAccessReview(body, authorizer),
        _ => ApiError.MethodNotAllowed("the server does not allow this method on the requested resource"),
    };

    private static Outcome<JsonObject> TokenReview(JsonNode? body, TokenAuthority tokens)
    {
        if (body is not JsonObject review || review["spec"] is not JsonObject spec) return ApiError.BadRequest("token is required for TokenReview in authentication");
        if (spec["token"] is not JsonValue t || !t.TryGetValue<string>(out var token) || token.Length == 0)
            return ApiError.BadRequest("token is required for TokenReview in authentication");
        var wanted = spec["audiences"] is JsonArray a ? a.Select(x => x?.GetValue<string>() ?? "").ToList() : [];
        var (user, audiences, error) = tokens.Review(token, wanted);
        var status = new JsonObject();
        if (user is not null)
        {
            status["authenticated"] = true;
            status["user"] = new JsonObject
            {
                ["username"] = user.Name,
                ["uid"] = Guid.NewGuid().ToString(),
                ["groups"] = new JsonArray(user.Groups.Select(g => (JsonNode?)g).ToArray()),
            };
            if (audiences.Count > 0) status["audiences"] = new JsonArray(audiences.Select(x => (JsonNode?)x).ToArray());
        }
        else
        {
            status["user"] = new JsonObject();
            status["error"] = error;
        }
        return Answer("authentication.k8s.io/v1", "TokenReview", spec, status);
    }

    /// <summary>The API server requires a user or groups in the spec (`spec.user`, `spec.groups`) and asks the
    /// authorizer as that subject.</summary>
    private static Outcome<JsonObject> SubjectAccessReview(JsonNode? body, IKubeAuthorizer authorizer)
    {
        var spec = body?["spec"] as JsonObject;
        var name = spec?["user"] is JsonValue u && u.TryGetValue<string>(out var s) ? s : "";
        var groups = spec?["groups"] is JsonArray g ? g.Select(x => x is JsonValue v && v.TryGetValue<string>(out var gs) ? gs : "").ToList() : [];
        if (name.Length == 0 && groups.Count == 0)
            return ApiError.Invalid("SubjectAccessReview", "authorization.k8s.io", "", "spec.user", "Invalid value: \"\": at least one of user or group must be specified");
        return AccessReview(body, new KubeUser(name, groups), authorizer, "SubjectAccessReview");
    }

    private static Outcome<JsonObject> AccessReview(JsonNode? body, KubeUser user, IKubeAuthorizer authorizer, string kind)
    {
        var spec = body?["spec"] as JsonObject;
        var res = spec?["resourceAttributes"] as JsonObject;
        var nonRes = spec?["nonResourceAttributes"] as JsonObject;
        if (spec is null || (res is null) == (nonRes is null))
            return ApiError.Invalid(kind, "authorization.k8s.io", "", "spec.resourceAttributes",
                "Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified");
        static string S(JsonObject? o, string key) => o?[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";
        var attrs = res is not null
            ? new RequestAttributes(user, S(res, "verb"), true, S(res, "group"), S(res, "version"), S(res, "resource"), S(res, "subresource"),
                S(res, "namespace"), S(res, "name"), "")
            : new RequestAttributes(user, S(nonRes, "verb"), false, "", "", "", "", "", "", S(nonRes, "path"));
        var decision = authorizer.Authorize(attrs);
        var status = new JsonObject { ["allowed"] = decision.Allowed };
        if (decision.Reason.Length > 0) status["reason"] = decision.Reason;
        return Answer("authorization.k8s.io/v1", kind, spec, status);
    }

    private static JsonObject Answer(string apiVersion, string kind, JsonObject spec, JsonObject status) => new()
    {
        ["kind"] = kind,
        ["apiVersion"] = apiVersion,
        ["metadata"] = new JsonObject { ["creationTimestamp"] = null },
        ["spec"] = spec.DeepClone(),
        ["status"] = status,
    };
}
