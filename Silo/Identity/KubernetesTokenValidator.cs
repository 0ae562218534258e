using k8s;
using k8s.Autorest;
using k8s.Models;
using Mesh.Silo.Hosting;

namespace Mesh.Silo.Identity;

/// <summary>Kubernetes mode: proves a proxy's projected ServiceAccount token with a TokenReview (audience
/// identity.mesh.io), bounded by MESH_KUBERNETES_TIMEOUT_MS. A review that fails or times out is Unavailable, never
/// an acceptance.</summary>
internal sealed partial class KubernetesTokenValidator(IKubernetes kube, SiloSettings settings, ILogger<KubernetesTokenValidator> log)
    : IWorkloadTokenValidator
{
    public async ValueTask<TokenCheck> ValidateAsync(string? token, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(token)) return TokenCheck.Fail("no token");
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(settings.KubernetesTimeout);
        var review = new V1TokenReview
        {
            ApiVersion = "authentication.k8s.io/v1",
            Kind = "TokenReview",
            Spec = new V1TokenReviewSpec { Token = token, Audiences = [TokenReviewVerdict.Audience] },
        };
        try
        {
            var answer = await kube.AuthenticationV1.CreateTokenReviewAsync(review, cancellationToken: bounded.Token);
            return TokenReviewVerdict.Judge(answer.Status);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            LogReviewFailed(log, kube.BaseUri, "timed out");
            return TokenCheck.Fail(TokenFailure.Unavailable,
                $"TokenReview at {kube.BaseUri} timed out after {settings.KubernetesTimeout.TotalMilliseconds:0} ms; try again");
        }
        catch (HttpOperationException e)
        {
            var code = (int)e.Response.StatusCode;
            LogReviewFailed(log, kube.BaseUri, $"HTTP {code}");
            return TokenCheck.Fail(TokenFailure.Unavailable, $"TokenReview at {kube.BaseUri} failed: HTTP {code} {Truncate(e.Response.Content)}");
        }
        catch (Exception e) when (e is HttpRequestException or IOException or System.Text.Json.JsonException)
        {
            LogReviewFailed(log, kube.BaseUri, e.Message);
            return TokenCheck.Fail(TokenFailure.Unavailable, $"TokenReview: cannot reach the Kubernetes API at {kube.BaseUri}: {e.GetBaseException().Message}");
        }
    }

    private static string Truncate(string? text) => text is null ? "" : text.Length <= 300 ? text : text[..300] + "…";

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "TokenReview at {Server} failed: {Reason}")]
    private static partial void LogReviewFailed(ILogger logger, Uri server, string reason);
}
