using System.Collections.Frozen;
using System.Net.Http.Headers;
using Microsoft.Extensions.Primitives;

namespace Mesh.Proxy.Transport;

/// <summary>RFC 9110 §7.6.1 at every hop: the fields a `Connection` header names belong to that hop and are dropped with it
/// (`Connection: close, x-secret` forwards neither). YARP already drops `Connection` and the fixed hop-by-hop set.</summary>
/// <remarks>Framing fields stay whatever the client names: a `Connection: content-length` (or `host`, `transfer-encoding`)
/// must not let a client unframe or re-address what the next hop reads; `te` and `upgrade` YARP handles itself.</remarks>
internal static class HopByHopHeaders
{
    private static readonly FrozenSet<string> Framing =
        FrozenSet.Create(StringComparer.OrdinalIgnoreCase, "host", "content-length", "transfer-encoding", "te", "upgrade", "trailer");

    /// <summary>Removes from a forwarded request every field the received request's `Connection` named: those in its
    /// value as Kestrel kept it and those <see cref="ConnectionFieldTap"/> read off the wire.</summary>
    public static void RemoveNamed(HttpContext received, HttpRequestMessage forwarded)
    {
        var tapped = received.Features.Get<ConnectionFieldTap>()?.TakeFor(received) ?? [];
        foreach (var name in tapped) Remove(name, forwarded);
        var connection = received.Request.Headers.Connection;
        if (StringValues.IsNullOrEmpty(connection)) return;
        foreach (var name in Named(connection)) Remove(name, forwarded);
    }

    /// <summary>Removes from a forwarded request every field named by <paramref name="connection"/> values.</summary>
    public static void RemoveNamed(StringValues connection, HttpRequestMessage forwarded)
    {
        if (StringValues.IsNullOrEmpty(connection)) return;
        foreach (var name in Named(connection)) Remove(name, forwarded);
    }

    private static void Remove(string name, HttpRequestMessage forwarded)
    {
        // NonValidated first: Contains and Remove throw for a content field asked of the request's collection and the other
        // way round.
        if (forwarded.Headers.NonValidated.Contains(name)) forwarded.Headers.Remove(name);
        if (forwarded.Content is { } content && content.Headers.NonValidated.Contains(name)) content.Headers.Remove(name);
    }

    /// <summary>Removes from a response being sent every field named by the received response's `Connection` values.</summary>
    public static void RemoveNamed(HttpHeaderValueCollection<string> connection, IHeaderDictionary sent)
    {
        if (connection.Count == 0) return;
        foreach (var token in connection)
            if (IsNamedField(token)) sent.Remove(token);
    }

    /// <summary>The field names in `Connection` values (`close, x-secret` → `x-secret`), framing fields and the
    /// connection options (`close`, `keep-alive`) excepted, the latter dropped anyway.</summary>
    public static IEnumerable<string> Named(StringValues connection)
    {
        foreach (var value in connection)
        {
            if (value is null) continue;
            foreach (var token in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                if (IsNamedField(token)) yield return token;
        }
    }

    private static bool IsNamedField(string token) =>
        IsToken(token) && !Framing.Contains(token) && !token.Equals("close", StringComparison.OrdinalIgnoreCase);

    /// <summary>RFC 9110 token characters only: anything else names no field (and HttpHeaders would throw on it).</summary>
    private static bool IsToken(string s)
    {
        foreach (var c in s)
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c))) return false;
        return s.Length > 0;
    }
}
