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
            foreach (var (name, value) in m.Add) message.Headers.TryAddWithoutValidation(name, value);
        }
        if (Rewrite is { } r && message.RequestUri is { } uri)
        {
            if (r.Hostname.Length > 0) message.Headers.Host = r.Hostname;
            var path = uri.AbsolutePath;
            if (r.ReplaceFullPath.Length > 0) path = r.ReplaceFullPath;
            else if (r.ReplacePrefixMatch.Length > 0 && matchedPrefix is { Length: > 0 } prefix && path.StartsWith(prefix, StringComparison.Ordinal))
            {
                var rest = path[prefix.Length..];
                path = r.ReplacePrefixMatch.TrimEnd('/') + (rest.StartsWith('/') || rest.Length == 0 ? rest : "/" + rest);
                if (path.Length == 0) path = "/";
            }
            message.RequestUri = new UriBuilder(uri) { Path = path }.Uri;
        }
    }

    public void ApplyResponse(HttpResponse response)
    {
        if (ResponseHeaders is not { } m) return;
        foreach (var name in m.Remove) response.Headers.Remove(name);
        foreach (var (name, value) in m.Set) response.Headers[name] = value;
        foreach (var (name, value) in m.Add) response.Headers.Append(name, value);
    }

    /// <summary>The Location and status of a RequestRedirect filter for this request.</summary>
    public (int Status, string Location) RedirectFor(HttpRequest request)
    {
        var r = Redirect!;
        var scheme = r.Scheme.Length > 0 ? r.Scheme : request.Scheme;
        var host = r.Hostname.Length > 0 ? r.Hostname : request.Host.Host;
        var port = r.Port != 0 ? (int)r.Port : request.Host.Port;
        var path = r.Path.Length > 0 ? r.Path : request.Path.Value ?? "/";
        var authority = port is int p && !(scheme == "http" && p == 80 || scheme == "https" && p == 443) ? $"{host}:{p.ToString(CultureInfo.InvariantCulture)}" : host;
        return (r.StatusCode is 301 or 302 or 303 or 307 or 308 ? (int)r.StatusCode : 302, $"{scheme}://{authority}{path}{request.QueryString}");
    }
}
