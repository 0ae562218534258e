using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mesh.Cli.Connection;

/// <summary>One field error of an RFC 7807 problem: document number (1-based), field path, message.</summary>
internal sealed record ProblemError(int? Document, string? Path, string Message)
{
    /// <summary>"doc 2: spec.ports[0].port: must be 1..65535".</summary>
    public override string ToString()
    {
        var parts = new List<string>(3);
        if (Document is { } doc)
            parts.Add($"doc {doc}");
        if (!string.IsNullOrEmpty(Path))
            parts.Add(Path);
        parts.Add(Message);
        return string.Join(": ", parts);
    }
}

/// <summary>An error answer of the admin API (application/problem+json, or whatever a proxy in between sent).</summary>
internal sealed record AdminProblem(HttpStatusCode Status, string Title, string? Detail, IReadOnlyList<ProblemError> Errors)
{
    /// <summary>"title: detail", or the one that is set.</summary>
    public string Summary => string.IsNullOrWhiteSpace(Detail) || Detail == Title ? Title : $"{Title}: {Detail}";

    public static AdminProblem Parse(HttpStatusCode status, string? reason, string body)
    {
        var fallback = $"{(int)status} {reason ?? status.ToString()}";
        JsonNode? node;
        try
        {
            node = body.Length == 0 ? null : JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            node = null;
        }
        if (node is not JsonObject obj)
            return new AdminProblem(status, fallback, body.Length is > 0 and < 500 ? body.Trim() : null, []);

        var errors = new List<ProblemError>();
        if (obj["errors"] is JsonArray array)
        {
            foreach (var item in array.OfType<JsonObject>())
            {
                int? document = item["document"] is JsonValue d && d.TryGetValue<int>(out var n) ? n : null;
                errors.Add(new ProblemError(document, Json.Str(item["path"]), Json.Str(item["message"]) ?? "invalid"));
            }
        }
        return new AdminProblem(status, Json.Str(obj["title"]) ?? fallback, Json.Str(obj["detail"]), errors);
    }
}
