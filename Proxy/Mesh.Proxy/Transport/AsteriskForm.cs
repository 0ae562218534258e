using Mesh.Proxy.Wire;
using Microsoft.AspNetCore.Http.Features;

namespace Mesh.Proxy.Transport;

/// <summary>Keeps an `OPTIONS *` request asterisk-form (RFC 9112 §3.2.4, RFC 9113 §8.3.1) to the app: decided once per
/// request at the proxy's first stage, carried to a peer proxy in <see cref="Header"/>, written as `OPTIONS *` on the
/// last hop (<see cref="AsteriskFormHandler"/>).</summary>
/// <remarks>
/// Why a header: the forwarding client (SocketsHttpHandler) writes a request's URI path, `/` for `*`, on HTTP/1.1 and
/// as HTTP/2 `:path`. A request is asterisk-form when the client sent it so (Kestrel's raw target `*`; only OPTIONS gets
/// that far, Kestrel refuses `GET *`), or sent `OPTIONS http://host:port` with an empty path to us as its proxy (the last
/// proxy must send `*` then), or when a mesh peer says so in the header for the `OPTIONS /` it had to write. The header
/// is taken off every request at the first stage, whoever sent it; it counts only from an authenticated mesh peer on the
/// inbound port (any inbound client when mesh TLS is off, as for `mesh-target-port`), and only on `OPTIONS /` without a
/// query: it never turns another method or path into `*`.
/// </remarks>
internal static class AsteriskForm
{
    /// <summary>Mesh-internal field: the request a peer proxy forwards as `OPTIONS /` was `OPTIONS *`.</summary>
    public const string Header = MeshHeaders.RequestTarget;

    /// <summary>Request option for the last hop: write this request's target as `*`.</summary>
    public static readonly HttpRequestOptionsKey<bool> LastHop = new("mesh.asterisk-form");

    /// <summary>Whether a request is asterisk-form (see the remarks).</summary>
    /// <param name="rawTarget">The request-target as received (HTTP/1.x) or the `:path` (HTTP/2).</param>
    /// <param name="header">The sender's <see cref="Header"/> value (null: none, or several).</param>
    /// <param name="headerTrusted">The sender may use the header: an authenticated mesh peer on the inbound port.</param>
    public static bool Decide(string method, string rawTarget, string? header, bool headerTrusted)
    {
        if (!HttpMethods.IsOptions(method)) return false;
        if (rawTarget == "*" || IsAbsoluteWithoutPath(rawTarget)) return true;
        return headerTrusted && header == "*" && rawTarget == "/";
    }

    /// <summary>`http://host:port` with neither path nor query: the absolute-form of an OPTIONS for the server as a whole.</summary>
    private static bool IsAbsoluteWithoutPath(string rawTarget)
    {
        var scheme = rawTarget.IndexOf("://", StringComparison.Ordinal);
        if (scheme <= 0 || rawTarget.AsSpan(0, scheme).ContainsAnyExcept(Letters)) return false;
        var authority = rawTarget.AsSpan(scheme + 3);
        return authority.Length > 0 && authority.IndexOfAny('/', '?', '#') < 0;
    }

    private static readonly System.Buffers.SearchValues<char> Letters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");

    /// <summary>Whether the first stage found this request asterisk-form.</summary>
    public static bool IsRequested(HttpContext context) => context.Features.Get<Marker>() is not null;

    /// <summary>Carries the form on this try: in <see cref="Header"/> to a peer proxy, else as <see cref="LastHop"/>.</summary>
    public static void Carry(HttpContext context, HttpRequestMessage request, bool toMeshPeer)
    {
        if (!IsRequested(context)) return;
        if (toMeshPeer) request.Headers.TryAddWithoutValidation(Header, "*");
        else request.Options.Set(LastHop, true);
    }

    /// <summary>The stage, before any routing: removes the sender's <see cref="Header"/> and marks an asterisk-form request.
    /// <paramref name="fromMeshPeer"/> says whether this request's sender may use the header.</summary>
    public static Func<RequestDelegate, RequestDelegate> Middleware(Func<HttpContext, bool> fromMeshPeer) => next => context =>
    {
        var headers = context.Request.Headers;
        string? header = null;
        var sent = headers.TryGetValue(Header, out var values);
        if (sent)
        {
            header = values.Count == 1 ? values[0] : null;
            headers.Remove(Header);
        }
        // Set or cleared on every request: an HTTP/1.1 connection's next request never inherits the mark. Only an OPTIONS
        // needs its raw target read (the request path's common case stops at the method).
        var asterisk = HttpMethods.IsOptions(context.Request.Method) &&
            Decide(context.Request.Method, context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? "", header, sent && fromMeshPeer(context));
        context.Features.Set(asterisk ? Marker.Instance : null);
        return next(context);
    };

    private sealed class Marker
    {
        public static readonly Marker Instance = new();
    }
}
