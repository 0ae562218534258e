namespace Mesh.Silo.Identity;

/// <summary>Proves which workload identity a token belongs to. Local mode: <see cref="LocalTokenIssuer"/>;
/// Kubernetes: TokenReview (audience identity.mesh.io).</summary>
internal interface IWorkloadTokenValidator
{
    ValueTask<TokenCheck> ValidateAsync(string? token, CancellationToken ct);
}

/// <summary>Validates the tokens `mesh identity token` issues.</summary>
internal sealed class LocalTokenValidator(LocalTokenIssuer issuer) : IWorkloadTokenValidator
{
    public ValueTask<TokenCheck> ValidateAsync(string? token, CancellationToken ct) => ValueTask.FromResult(issuer.Check(token));
}
