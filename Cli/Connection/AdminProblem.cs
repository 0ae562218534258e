using System.Net;
using System.Text.Json;
using Mesh.Admin.Contract;

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
        AdminProblemDetails? problem;
        try
        {
            problem = body.Length == 0 ? null : JsonSerializer.Deserialize(body, AdminJsonContext.Default.AdminProblemDetails);
        }
        catch (JsonException)
        {
            // Not the silo's problem shape (a proxy's error page, plain text): shown as it came, if short.
            problem = null;
        }
        if (problem is null)
            return new AdminProblem(status, fallback, body.Length is > 0 and < 500 ? body.Trim() : null, []);

        var errors = (problem.Errors ?? []).OfType<ProblemFieldError>().Select(e => new ProblemError(e.Document, e.Path, e.Message ?? "invalid")).ToList();
        return new AdminProblem(status, problem.Title ?? fallback, problem.Detail, errors);
    }
}
