using Mesh.Abstractions.Resources;
using Microsoft.AspNetCore.Http;

namespace Mesh.Silo.Admin;

/// <summary>RFC 7807 problem responses of the admin API, in one place so every error looks the same.</summary>
internal static class AdminProblems
{
    public static IResult Unauthorized() => Results.Problem(
        statusCode: StatusCodes.Status401Unauthorized,
        title: "missing or wrong admin token",
        detail: "send 'Authorization: Bearer <token>'; the token is in <data-dir>/admin-token (default ~/.mesh/admin-token); nothing was written");

    public static IResult Invalid(IEnumerable<ResourceError> errors)
    {
        var list = errors.ToList();
        return Results.Problem(
            statusCode: StatusCodes.Status400BadRequest,
            title: "invalid resources",
            detail: string.Join("\n", list.Select(e => e.ToString())) + "\nnothing was written",
            extensions: new Dictionary<string, object?>
            {
                ["errors"] = list.Select(e => new { document = e.Document, path = e.Path, message = e.Message }).ToArray(),
            });
    }

    public static IResult TooLarge(long limit) => Results.Problem(
        statusCode: StatusCodes.Status413PayloadTooLarge,
        title: "request body too large",
        detail: $"apply accepts at most {limit / (1024 * 1024)} MiB; split the file into several applies");

    public static IResult UnknownKind(string kind) => Results.Problem(
        statusCode: StatusCodes.Status400BadRequest,
        title: "unknown kind",
        detail: $"unknown kind '{kind}'; known kinds: {string.Join(", ", ResourceKinds.All.Select(k => $"{k.Kind} ({k.Plural})"))}");

    public static IResult NotFound(ResourceKind kind, string ns, string name) => Results.Problem(
        statusCode: StatusCodes.Status404NotFound,
        title: "not found",
        detail: $"{kind.Kind.ToLowerInvariant()} {name}.{ns} not found");

    public static IResult BadRequest(string detail) => Results.Problem(
        statusCode: StatusCodes.Status400BadRequest, title: "bad request", detail: detail);
}
