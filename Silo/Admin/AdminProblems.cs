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

    public static IResult Forbidden(string detail) => Results.Problem(
        statusCode: StatusCodes.Status403Forbidden, title: "refused by the admin API's browser guard", detail: detail);

    /// <summary>503 for a request the cluster could not serve right now (see <see cref="ClusterUnavailable"/>).</summary>
    public static IResult Unavailable(Exception cause) => Results.Problem(
        statusCode: StatusCodes.Status503ServiceUnavailable,
        title: "cluster unavailable",
        detail: $"the cluster could not serve this request ({cause.GetType().Name}: a silo is unreachable or being declared dead); "
            + $"it was not acknowledged (apply and delete are idempotent: send it again); retry after {(int)ClusterUnavailable.RetryAfter.TotalSeconds} s");
}
