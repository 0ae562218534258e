using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;
using Mesh.Admin.Contract;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Mesh.Silo.Admin;

/// <summary>RFC 7807 problem responses of the admin API, in one place so every error looks the same (the CLI reads them as
/// <see cref="AdminProblemDetails"/>).</summary>
internal static class AdminProblems
{
    public static ProblemHttpResult Unauthorized() => TypedResults.Problem(
        statusCode: StatusCodes.Status401Unauthorized,
        title: "missing or wrong admin token",
        detail: "send 'Authorization: Bearer <token>'; the token is in <data-dir>/admin-token (default ~/.mesh/admin-token); nothing was written");

    public static ProblemHttpResult Invalid(IEnumerable<ResourceError> errors)
    {
        var list = errors.ToList();
        return TypedResults.Problem(
            statusCode: StatusCodes.Status400BadRequest,
            title: "invalid resources",
            detail: string.Join("\n", list.Select(e => e.ToString())) + "\nnothing was written",
            extensions: new Dictionary<string, object?>
            {
                ["errors"] = list.Select(e => new ProblemFieldError(e.Document, e.Path, e.Message)).ToArray(),
            });
    }

    public static ProblemHttpResult TooLarge(long limit) => TypedResults.Problem(
        statusCode: StatusCodes.Status413PayloadTooLarge,
        title: "request body too large",
        detail: $"apply accepts at most {limit / (1024 * 1024)} MiB; split the file into several applies");

    public static ProblemHttpResult UnknownKind(string kind) => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest,
        title: "unknown kind",
        detail: $"unknown kind '{kind}'; known kinds: {string.Join(", ", ResourceKinds.All.Select(k => $"{k.Kind} ({k.Plural})"))}");

    public static ProblemHttpResult NotFound(ResourceKind kind, string ns, string name) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound,
        title: "not found",
        detail: $"{kind.Kind.ToLowerInvariant()} {name}.{ns} not found");

    /// <summary>A catalog write refused as a whole: 409 when a resource belongs to another source (Kubernetes, a link),
    /// naming the owner and where to change it instead; 400 for anything else (the admin API never sends a malformed batch).</summary>
    public static ProblemHttpResult Refused(CatalogWriteResult result) => result.Status == CatalogWriteStatus.Conflict
        ? TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict,
            title: "owned by another source",
            detail: result.Error,
            extensions: new Dictionary<string, object?> { ["source"] = result.Owner })
        : BadRequest(result.Error ?? result.Status.ToString());

    public static ProblemHttpResult BadRequest(string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest, title: "bad request", detail: detail);

    public static ProblemHttpResult Forbidden(string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status403Forbidden, title: "refused by the admin API's browser guard", detail: detail);

    /// <summary>503 for a request the cluster could not serve right now (see <see cref="ClusterUnavailable"/>).</summary>
    public static ProblemHttpResult Unavailable(Exception cause) => TypedResults.Problem(
        statusCode: StatusCodes.Status503ServiceUnavailable,
        title: "cluster unavailable",
        detail: $"the cluster could not serve this request ({cause.GetType().Name}: a silo is unreachable or being declared dead); "
            + $"it was not acknowledged (apply and delete are idempotent: send it again); retry after {(int)ClusterUnavailable.RetryAfter.TotalSeconds} s");
}
