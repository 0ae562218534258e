using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Net.Http.Headers;

namespace Mesh.Silo.Dashboard;

/// <summary>Serves the read-only web dashboard at `/` (admin listener). The page only reads the admin JSON API; the
/// features document tells it which optional APIs exist in this silo, so it never requests one that would 404.</summary>
public static class DashboardEndpoints
{
    /// <summary>Optional admin APIs the page uses when present (owned by other parts of the silo).</summary>
    private static readonly (string Feature, string Pattern)[] OptionalApis =
    [
        ("describe", "/api/v1/services/{ns}/{name}"),
        ("identities", "/api/v1/identities"),
        ("clusters", "/api/v1/multicluster/links"),
    ];

    public static RouteGroupBuilder MapMeshDashboard(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("");
        group.MapGet("/", (HttpContext http) => Serve(http, "index.html"));
        group.MapGet("/favicon.ico", (HttpContext http) => Serve(http, "favicon.svg"));
        group.MapGet("/dashboard/{file}", (HttpContext http, string file) => Serve(http, file));
        group.MapGet("/dashboard/features.json", (EndpointDataSource sources) => Results.Ok(Features(sources)));
        return group;
    }

    internal static Dictionary<string, bool> Features(EndpointDataSource sources)
    {
        var patterns = sources.Endpoints.OfType<RouteEndpoint>()
            .Select(e => Normalize(e.RoutePattern)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return OptionalApis.ToDictionary(a => a.Feature, a => patterns.Contains(Normalize(RoutePatternFactory.Parse(a.Pattern))));
    }

    /// <summary>"/api/v1/services/{namespace}/{name}" and "/api/v1/services/{ns}/{n}" are the same route: compare shapes.</summary>
    private static string Normalize(RoutePattern pattern) =>
        "/" + string.Join("/", pattern.PathSegments.Select(s => s.IsSimple && s.Parts[0] is RoutePatternLiteralPart l ? l.Content : "{}"));

    private static IResult Serve(HttpContext http, string file)
    {
        if (!DashboardAssets.Instance.TryGet(file, out var asset)) return Results.NotFound();
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers.ETag = asset.ETag;
        // The page only talks to its own origin; nothing is loaded from elsewhere.
        http.Response.Headers.ContentSecurityPolicy =
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        if (http.Request.Headers.IfNoneMatch.Contains(asset.ETag)) return Results.StatusCode(StatusCodes.Status304NotModified);
        return Results.Bytes(asset.Bytes, asset.ContentType);
    }
}
