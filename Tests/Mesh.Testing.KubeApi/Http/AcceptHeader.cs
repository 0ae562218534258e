using Microsoft.AspNetCore.Http;

namespace Mesh.Testing.KubeApi.Http;

/// <summary>Reads the API server's content negotiation: does some JSON media range of the Accept header carry all the
/// given parameters (<c>as=Table</c>, <c>g=meta.k8s.io</c>, …)?</summary>
internal static class AcceptHeader
{
    public static bool Offers(HttpRequest request, params string[] parameters) =>
        request.Headers.Accept.Any(header => header is not null && header.Split(',').Any(range =>
        {
            var parts = range.Replace(" ", "").Split(';');
            return parts[0] == "application/json" && parameters.All(parts.Contains);
        }));
}
