using System.Security.Cryptography.X509Certificates;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Admin.Contract;
using Mesh.Silo.Admin;
using Mesh.Silo.Hosting;
using Mesh.Names;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Mesh.Silo.Identity;

/// <summary>Identity on the admin API: what was issued (`mesh identity list`), workload tokens (`mesh identity
/// token`), and issuer rotation (`mesh identity rotate-issuer`). Writes need the admin bearer token.</summary>
internal static class IdentityEndpoints
{
    public static void Map(WebApplication app, SiloSettings settings)
    {
        app.MapGet("/api/v1/identities", ListAsync).RequireListener(SiloListeners.Admin);
        app.MapPost("/api/v1/identity/tokens", IssueToken).RequireListener(SiloListeners.Admin);
        app.MapPost("/api/v1/identity/rotate-issuer", Results<Ok<RotateIssuerResponse>, ProblemHttpResult> (HttpRequest request, AdminToken token,
            SiloCertificateAuthority ca, TimeProvider time) =>
        {
            if (!token.Accepts(request.Headers.Authorization)) return AdminProblems.Unauthorized();
            var rotated = ca.Authority.RotateIssuer();
            rotated.Save(IdentityPaths.CaDir(settings));
            ca.Set(rotated);
            return TypedResults.Ok(new RotateIssuerResponse(Describe(rotated.Issuer, time)));
        }).RequireListener(SiloListeners.Admin);
    }

    private static async Task<Ok<IdentitiesResponse>> ListAsync(IGrainFactory grains, SiloCertificateAuthority ca, TimeProvider time)
    {
        var keys = await grains.GetGrain<IIdentityDirectoryGrain>("mesh").ListAsync();
        var issued = await Task.WhenAll(keys.Select(k => grains.GetGrain<IIdentityGrain>(k).ListIssuedAsync()));
        var now = time.GetUtcNow();
        var authority = ca.Authority;
        return TypedResults.Ok(new IdentitiesResponse(
            ca.TrustDomain,
            [.. authority.TrustBundle.Anchors.Select(a => Describe(a, time))],
            Describe(authority.Issuer, time),
            [.. issued.SelectMany(list => list)
                .Select(c => new IssuedCertificateSummary(c.Identity, c.Serial, c.NotBefore, c.NotAfter, c.NotAfter <= now, Math.Round((c.NotAfter - now).TotalHours, 1)))
                .OrderBy(c => c.Identity).ThenByDescending(c => c.NotAfter)]));
    }

    private static Results<Ok<TokenResponse>, ProblemHttpResult> IssueToken(TokenRequest body, HttpRequest request, AdminToken token, LocalTokenIssuer issuer, SiloCertificateAuthority ca)
    {
        if (!token.Accepts(request.Headers.Authorization)) return AdminProblems.Unauthorized();
        var ns = body.Namespace ?? MeshNames.DefaultNamespace;
        if (string.IsNullOrEmpty(body.ServiceAccount))
            return AdminProblems.BadRequest("serviceAccount is required (e.g. {\"namespace\":\"default\",\"serviceAccount\":\"books\"})");
        try
        {
            var id = SpiffeId.Create(ca.TrustDomain, ns, body.ServiceAccount);
            var ttl = body.TtlSeconds is > 0 ? TimeSpan.FromSeconds(body.TtlSeconds.Value) : (TimeSpan?)null;
            return TypedResults.Ok(new TokenResponse(issuer.Issue(ns, body.ServiceAccount, ttl), id.Uri));
        }
        catch (ArgumentException e)
        {
            return AdminProblems.BadRequest(e.Message);
        }
    }

    private static CertificateSummary Describe(X509Certificate2 cert, TimeProvider time) => new(
        cert.Subject,
        cert.SerialNumber,
        cert.NotBefore.ToUniversalTime(),
        cert.NotAfter.ToUniversalTime(),
        Math.Floor((cert.NotAfter.ToUniversalTime() - time.GetUtcNow().UtcDateTime).TotalDays));
}
