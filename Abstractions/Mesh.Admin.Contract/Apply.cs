namespace Mesh.Admin.Contract;

/// <summary>`POST /api/v1/apply[?namespace=&amp;dryRun=true]` (body: multi-document YAML or JSON): what happened to each
/// resource, in the order sent, and the silo's warnings (e.g. a backendRef to a Service that does not exist).</summary>
public sealed record ApplyResponse(IReadOnlyList<ResourceOutcome>? Results, bool DryRun, IReadOnlyList<string>? Warnings);

/// <summary>One resource of an apply. <c>Action</c> is <see cref="ResourceActions.Created"/>, <c>configured</c> or
/// <c>unchanged</c>.</summary>
public sealed record ResourceOutcome(string? Kind, string? Namespace, string? Name, string? Action);

/// <summary>The values of <see cref="ResourceOutcome.Action"/>.</summary>
public static class ResourceActions
{
    public const string Created = "created";
    public const string Configured = "configured";
    public const string Unchanged = "unchanged";
}
