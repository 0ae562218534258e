using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Mesh.Testing.KubeApi.Http;
using Mesh.Testing.KubeApi.Kinds;
using Mesh.Testing.KubeApi.Store;

namespace Mesh.Testing.KubeApi.Resources;

/// <summary>The checks every write passes before it is stored: the body is an object of this kind, its names are valid
/// DNS names, and labels and annotations are maps of strings (labels also valid label keys and values).</summary>
internal static partial class ObjectValidation
{
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Subdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Label();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

    [GeneratedRegex("^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex QualifiedName();

    /// <summary>The body as an object of <paramref name="kind"/>, or a 400 saying why it is not one.</summary>
    public static Outcome<JsonObject> Shape(JsonNode? body, KindInfo kind)
    {
        if (body is not JsonObject obj) return ApiError.BadRequest($"the body of the request could not be decoded as a {kind.Kind}: expected a JSON object");
        var apiVersion = obj["apiVersion"];
        var k = obj["kind"];
        if ((apiVersion is not null && JsonText.Str(apiVersion) is null) || (k is not null && JsonText.Str(k) is null))
            return ApiError.BadRequest("apiVersion and kind must be strings");
        if (JsonText.Str(k) is { Length: > 0 } kindText && kindText != kind.Kind)
            return ApiError.BadRequest($"{kindText} in version \"{JsonText.Str(apiVersion)}\" cannot be handled as a {kind.Kind}: the kind does not match the resource");
        if (JsonText.Str(apiVersion) is { Length: > 0 } av && av != kind.ApiVersion && !(kind.IsCustom && av.StartsWith(kind.Group + "/", StringComparison.Ordinal)))
            return ApiError.BadRequest($"the API version in the data ({av}) does not match the expected API version ({kind.ApiVersion})");
        if (obj["metadata"] is { } m && m is not JsonObject) return ApiError.BadRequest("metadata must be an object");
        return obj;
    }

    /// <summary>Field checks on a fully formed object, as 422 Invalid with the field path.</summary>
    public static ApiError? Fields(JsonObject obj, KindInfo kind)
    {
        var meta = JsonText.Meta(obj)!;
        var name = JsonText.Str(meta["name"]) ?? "";
        var nameOk = kind.Resource == "namespaces"
            ? name.Length <= 63 && Label().IsMatch(name)
            : name.Length <= 253 && Subdomain().IsMatch(name);
        if (!nameOk)
            return ApiError.Invalid(kind.Kind, kind.Group, name, "metadata.name", $"Invalid value: \"{name}\": a lowercase RFC 1123 {(kind.Resource == "namespaces" ? "label" : "subdomain")} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character");
        foreach (var field in new[] { "labels", "annotations" })
        {
            if (meta[field] is null) continue;
            if (meta[field] is not JsonObject map)
                return ApiError.Invalid(kind.Kind, kind.Group, name, $"metadata.{field}", "Invalid value: must be a map of strings");
            foreach (var (key, value) in map)
            {
                if (JsonText.Str(value) is not { } text)
                    return ApiError.Invalid(kind.Kind, kind.Group, name, $"metadata.{field}", $"Invalid value: {key}: must be a string");
                if (!QualifiedName().IsMatch(key) || key.Length > 316)
                    return ApiError.Invalid(kind.Kind, kind.Group, name, $"metadata.{field}", $"Invalid value: \"{key}\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");
                if (field == "labels" && (text.Length > 63 || !LabelValue().IsMatch(text)))
                    return ApiError.Invalid(kind.Kind, kind.Group, name, "metadata.labels", $"Invalid value: \"{text}\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");
            }
        }
        if (meta["finalizers"] is { } f && (f is not JsonArray fa || fa.Any(x => JsonText.Str(x) is null)))
            return ApiError.Invalid(kind.Kind, kind.Group, name, "metadata.finalizers", "Invalid value: must be a list of strings");
        return null;
    }
}
