using System.Text.Json.Nodes;

namespace Mesh.Testing.KubeApi.Http;

/// <summary>An API failure shaped like the API server's metav1.Status (kind Status, status Failure, reason, code, details).</summary>
public sealed record ApiError(int Code, string Reason, string Message, JsonObject? Details = null, int? RetryAfterSeconds = null)
{
    public JsonObject ToStatus()
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = Message,
            ["reason"] = Reason,
        };
        var details = Details?.DeepClone().AsObject();
        if (RetryAfterSeconds is { } retry)
        {
            details ??= new JsonObject();
            details["retryAfterSeconds"] = retry;
        }
        if (details is not null) status["details"] = details;
        status["code"] = Code;
        return status;
    }

    private static JsonObject NameDetails(string resource, string group, string name)
    {
        var d = new JsonObject { ["name"] = name };
        if (group.Length > 0) d["group"] = group;
        d["kind"] = resource;
        return d;
    }

    private static string Qualified(string resource, string group) => group.Length == 0 ? resource : $"{resource}.{group}";

    public static ApiError NotFound(string resource, string group, string name) =>
        new(404, "NotFound", $"{Qualified(resource, group)} \"{name}\" not found", NameDetails(resource, group, name));

    public static ApiError AlreadyExists(string resource, string group, string name) =>
        new(409, "AlreadyExists", $"{Qualified(resource, group)} \"{name}\" already exists", NameDetails(resource, group, name));

    public static ApiError Conflict(string resource, string group, string name, string why) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {Qualified(resource, group)} \"{name}\": {why}", NameDetails(resource, group, name));

    public static ApiError StaleResourceVersion(string resource, string group, string name) =>
        Conflict(resource, group, name, "the object has been modified; please apply your changes to the latest version and try again");

    public static ApiError BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiError Invalid(string kind, string group, string name, string field, string message)
    {
        var details = new JsonObject { ["name"] = name };
        if (group.Length > 0) details["group"] = group;
        details["kind"] = kind;
        details["causes"] = new JsonArray(new JsonObject { ["reason"] = "FieldValueInvalid", ["message"] = $"{field}: {message}", ["field"] = field });
        var qualified = group.Length == 0 ? kind : $"{kind}.{group}";
        return new(422, "Invalid", $"{qualified} \"{name}\" is invalid: {field}: {message}", details);
    }

    /// <summary>A 410 Gone: a resourceVersion or continue token older than the last compaction.</summary>
    public static ApiError Expired(string message) => new(410, "Expired", message);

    public static ApiError MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    public static ApiError UnsupportedMediaType(string contentType) =>
        new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got {contentType})");

    public static ApiError Unauthorized() => new(401, "Unauthorized", "Unauthorized");

    public static ApiError Forbidden(string message) => new(403, "Forbidden", message);

    public static ApiError Timeout(string message) => new(504, "Timeout", message);

    public static ApiError Internal(string message) => new(500, "InternalError", $"Internal error occurred: {message}");

    public static ApiError TooManyRequests(int retryAfterSeconds) =>
        new(429, "TooManyRequests", "Too many requests, please try again later.", null, retryAfterSeconds);
}
