using System.Globalization;
using Mesh.Api.V1;

namespace Mesh.Proxy.Outbound;

/// <summary>Gateway API filters of a route rule (and its backend): header modifiers, URL rewrite, redirect.</summary>
internal sealed class CompiledFilters
{
    public static readonly CompiledFilters None = new(null, null, null, null);

    private CompiledFilters(HeaderModifier? request, HeaderModifier? response, RequestRedirect? redirect, UrlRewrite? rewrite)
    {
        RequestHeaders = request;
        ResponseHeaders = response;
        Redirect = redirect;
        Rewrite = rewrite;
    }

    public HeaderModifier? RequestHeaders { get; }
    public HeaderModifier? ResponseHeaders { get; }
    public RequestRedirect? Redirect { get; }
    public UrlRewrite? Rewrite { get; }
    public bool IsEmpty => RequestHeaders is null && ResponseHeaders is null && Redirect is null && Rewrite is null;

    /// <summary>Combines filters; later ones (the backend's) win over earlier ones (the rule's) of the same kind.</summary>
    public static CompiledFilters From(IEnumerable<RouteFilter> filters)
    {
        HeaderModifier? request = null, response = null;
        RequestRedirect? redirect = null;
        UrlRewrite? rewrite = null;
        foreach (var f in filters)
        {
            switch (f.KindCase)
            {
                case RouteFilter.KindOneofCase.RequestHeaderModifier: request = f.RequestHeaderModifier; break;
                case RouteFilter.KindOneofCase.ResponseHeaderModifier: response = f.ResponseHeaderModifier; break;
                case RouteFilter.KindOneofCase.RequestRedirect: redirect = f.RequestRedirect; break;
                case RouteFilter.KindOneofCase.UrlRewrite: rewrite = f.UrlRewrite; break;
            }
        }
        return request is null && response is null && redirect is null && rewrite is null ? None : new CompiledFilters(request, response, redirect, rewrite);
    }

    public void ApplyRequest(HttpRequestMessage message, string? matchedPrefix)
    {
        if (RequestHeaders is { } m)
        {
            foreach (var name in m.Remove) message.Headers.Remove(name);
            foreach (var (name, value) in m.Set) { message.Headers.Remove(name); message.Headers.TryAddWithoutValidation(name, value); }
            // Gateway API "add" appends one more value to the client's (never one string folded from them); how several
            // values of one name cross the wire is the transformers' business.
            foreach (var (name, value) in m.Add) message.Headers.TryAddWithoutValidation(name, value);
        }
        if (Rewrite is { } r && message.RequestUri is { } uri)
        {
            if (r.Hostname.Length > 0) message.Headers.Host = r.Hostname;
            var path = uri.AbsolutePath;
            if (r.ReplaceFullPath.Length > 0) path = r.ReplaceFullPath;
            else if (r.ReplacePrefixMatch.Length > 0) path = ReplacePrefix(path, matchedPrefix, r.ReplacePrefixMatch);
            message.RequestUri = new UriBuilder(uri) { Path = path }.Uri;
        }
    }

    /// <summary>Gateway API ReplacePrefixMatch: replaces the PathPrefix that matched, on path-segment boundaries
    /// ("/foo" + "/xyz": "/foo/bar" → "/xyz/bar", "/foo/" → "/xyz/", "/foo" → "/xyz"; "/" strips the prefix). The path
    /// is unchanged when the route matched no prefix (ReplacePrefixMatch needs a PathPrefix match).</summary>
    public static string ReplacePrefix(string path, string? matchedPrefix, string replacement)
    {
        if (matchedPrefix is not { Length: > 0 } prefix) return path;
        var trimmed = prefix.Length > 1 ? prefix.TrimEnd('/') : prefix;
        if (!path.StartsWith(trimmed, StringComparison.Ordinal)) return path;
        var rest = trimmed == "/" ? path[1..] : path[trimmed.Length..];
        if (rest.Length > 0 && rest[0] != '/' && trimmed != "/") return path; // "/foo" never matches "/foobar"
        var head = replacement.TrimEnd('/');
        var result = head + (rest.Length == 0 || rest[0] == '/' ? rest : "/" + rest);
        return result.Length == 0 ? "/" : result;
    }

    public void ApplyResponse(HttpResponse response)
    {
        if (ResponseHeaders is not { } m) return;
        foreach (var name in m.Remove) response.Headers.Remove(name);
        foreach (var (name, value) in m.Set) response.Headers[name] = value;
        foreach (var (name, value) in m.Add) response.Headers.Append(name, value);
    }

    /// <summary>The Location and status of a RequestRedirect filter for this request (<paramref name="matchedPrefix"/>:
    /// the route's PathPrefix that matched, for ReplacePrefixMatch).</summary>
    public (int Status, string Location) RedirectFor(HttpRequest request, string? matchedPrefix = null)
    {
        var r = Redirect!;
        var scheme = r.Scheme.Length > 0 ? r.Scheme : request.Scheme;
        var host = r.Hostname.Length > 0 ? r.Hostname : request.Host.Host;
        var port = r.Port != 0 ? (int)r.Port : request.Host.Port;
        var original = request.Path.Value is { Length: > 0 } v ? v : "/";
        var path = r.Path.Length > 0 ? r.Path
            : r.ReplacePrefixMatch.Length > 0 ? ReplacePrefix(original, matchedPrefix, r.ReplacePrefixMatch)
            : original;
        var authority = port is int p && !(scheme == "http" && p == 80 || scheme == "https" && p == 443) ? $"{host}:{p.ToString(CultureInfo.InvariantCulture)}" : host;
        return (r.StatusCode is 301 or 302 or 303 or 307 or 308 ? (int)r.StatusCode : 302, $"{scheme}://{authority}{path}{request.QueryString}");
    }
}
