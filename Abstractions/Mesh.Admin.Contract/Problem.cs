namespace Mesh.Admin.Contract;

/// <summary>An error answer of the admin API (RFC 7807 application/problem+json, as ASP.NET writes it); a 400 for
/// invalid resources carries one <see cref="ProblemFieldError"/> per field.</summary>
public sealed record AdminProblemDetails(string? Type, string? Title, int? Status, string? Detail, IReadOnlyList<ProblemFieldError>? Errors);

/// <summary>One field error: document number (1-based), field path, message.</summary>
public sealed record ProblemFieldError(int? Document, string? Path, string? Message);
