using System.Security.Cryptography.X509Certificates;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Silo.Admin;
using Mesh.Silo.Hosting;
using Mesh.Names;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Mesh.Silo.Identity;

/// <summary>Identity on the admin API: what was issued (`mesh identity list`), workload tokens (`mesh identity
/// token`), and issuer rotation (`mesh identity rotate-issuer`). Writes need the admin bearer token.</summary>
internal static class IdentityEndpoints
{
    public static void Map(WebApplication app, SiloSettings settings)
    {
        app.MapGet("/api/v1/identities", ListAsync).RequireListener(SiloListeners.Admin);
        app.MapPost("/api/v1/identity/tokens", IssueToken).RequireListener(SiloListeners.Admin);
        app.MapPost("/api/v1/identity/rotate-issuer", (HttpRequest request, AdminToken token, SiloCertificateAuthority ca, TimeProvider time) =>
        {
            if (!token.Accepts(request.Headers.Authorization)) return AdminProblems.Unauthorized();
            var rotated = ca.Authority.RotateIssuer();
            rotated.Save(IdentityPaths.CaDir(settings));
            ca.Set(rotated);
            return Results.Ok(new { issuer = Describe(rotated.Issuer, time) });
        }).RequireListener(SiloListeners.Admin);
    }

    private static async Task<IResult> ListAsync(IGrainFactory grains, SiloCertificateAuthority ca, TimeProvider time)
    {
        var keys = await grains.GetGrain<IIdentityDirectoryGrain>("mesh").ListAsync();
        var issued = await Task.WhenAll(keys.Select(k => grains.GetGrain<IIdentityGrain>(k).ListIssuedAsync()));
        var now = time.GetUtcNow();
        var authority = ca.Authority;
        return Results.Ok(new
        {
            trustDomain = ca.TrustDomain,
            anchors = authority.TrustBundle.Anchors.Select(a => Describe(a, time)).ToArray(),
            issuer = Describe(authority.Issuer, time),
            certificates = issued.SelectMany(list => list).Select(c => new
            {
                identity = c.Identity,
                serial = c.Serial,
                notBefore = c.NotBefore,
                notAfter = c.NotAfter,
                expired = c.NotAfter <= now,
                hoursLeft = Math.Round((c.NotAfter - now).TotalHours, 1),
            }).OrderBy(c => c.identity).ThenByDescending(c => c.notAfter).ToArray(),
        });
    }

    private static IResult IssueToken(TokenRequest body, HttpRequest request, AdminToken token, LocalTokenIssuer issuer, SiloCertificateAuthority ca)
    {
        if (!token.Accepts(request.Headers.Authorization)) return AdminProblems.Unauthorized();
        var ns = body.Namespace ?? MeshNames.DefaultNamespace;
        if (string.IsNullOrEmpty(body.ServiceAccount))
            return AdminProblems.BadRequest("serviceAccount is required (e.g. {\"namespace\":\"default\",\"serviceAccount\":\"books\"})");
        try
        {
            var id = SpiffeId.Create(ca.TrustDomain, ns, body.ServiceAccount);
            var ttl = body.TtlSeconds is > 0 ? TimeSpan.FromSeconds(body.TtlSeconds.Value) : (TimeSpan?)null;
            return Results.Ok(new { token = issuer.Issue(ns, body.ServiceAccount, ttl), identity = id.Uri });
        }
        catch (ArgumentException e)
        {
            return AdminProblems.BadRequest(e.Message);
        }
    }

    private static object Describe(X509Certificate2 cert, TimeProvider time) => new
    {
        subject = cert.Subject,
        serial = cert.SerialNumber,
        notBefore = cert.NotBefore.ToUniversalTime(),
        notAfter = cert.NotAfter.ToUniversalTime(),
        daysLeft = Math.Floor((cert.NotAfter.ToUniversalTime() - time.GetUtcNow().UtcDateTime).TotalDays),
    };

    internal sealed record TokenRequest(string? Namespace, string? ServiceAccount, long? TtlSeconds);
}
