using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Mesh.Proxy.Transport;

/// <summary>Reuses a connection only where the origin keeps it open: origins that close after every response (an HTTP/1.0
/// response without keep-alive, RFC 9112 §9.3) get a fresh connection per request; an idempotent request without a body
/// that the origin ended, reset or (HTTP/2) closed gracefully before it answered is sent once more on a fresh connection.</summary>
/// <remarks>
/// Why: SocketsHttpHandler honours only a `Connection: close` header. It keeps an HTTP/1.0 server's connection in its pool
/// and hands it to the next request while the server is closing it; that request reads EOF before a byte
/// (ResponseEnded), and its built-in retry takes the next pooled connection, which is as dead. Against python's stock
/// `http.server` 6–7 % of requests at 32 clients failed that way while the same clients straight to the app saw none.
/// <para>What is retried, and why not more: RFC 9110 §9.2.2 lets a client repeat an idempotent request (GET, HEAD, OPTIONS,
/// TRACE, PUT, DELETE) after a connection failure before it read the response; nothing of it reached our client yet (the
/// exception comes before response headers). Only requests without a body: a body is streamed from the client and is
/// gone. Not POST/PATCH even without a body: with no connection reused towards an origin that closes, what is left is an
/// app that accepted the request on a fresh connection and closed or reset it unanswered — it may have acted on it, and a
/// repeated POST could act twice. (A body-less request that finds a pooled keep-alive connection closed is retried by
/// SocketsHttpHandler itself, any method, since nothing was read from that connection.)</para>
/// <para>HTTP/2: SocketsHttpHandler itself resends the streams a GOAWAY names as unprocessed (above its last-stream-id)
/// and refused streams. A stream the origin left open when it closed the connection gracefully (nginx after
/// `keepalive_requests`, 1,000 by default: GOAWAY NO_ERROR, then close) failed with NO_ERROR and was nobody's to retry:
/// 17–101 of 20,000 h2load requests through the outbound were 502s and the healthy endpoint was ejected
/// (bench/proxy/keepalive.sh). The same rule as for HTTP/1.x applies: idempotent, no body, sent once more.</para>
/// </remarks>
internal sealed class PersistentConnectionHandler(SocketsHttpHandler pooled, SocketsHttpHandler fresh) : HttpMessageHandler
{
    /// <summary>Bound on remembered origins (transparent mode can see any destination); past it the memory starts over.</summary>
    private const int MaxRemembered = 4096;

    private readonly HttpMessageInvoker _pooled = new(pooled, disposeHandler: true);
    private readonly HttpMessageInvoker _fresh = new(fresh, disposeHandler: true);
    private readonly ConcurrentDictionary<string, byte> _closing = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether requests to <paramref name="origin"/> (host:port) currently get a fresh connection each.</summary>
    public bool ClosesAfterEachResponse(string origin) => _closing.ContainsKey(origin);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var origin = request.RequestUri!.Authority;
        var closes = !_closing.IsEmpty && _closing.ContainsKey(origin);
        HttpResponseMessage response;
        try
        {
            response = await (closes ? _fresh : _pooled).SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e) when (!cancellationToken.IsCancellationRequested && MayRetry(request, e))
        {
            response = await _fresh.SendAsync(request, cancellationToken);
        }
        Learn(origin, response, closes);
        return response;
    }

    private void Learn(string origin, HttpResponseMessage response, bool closes)
    {
        if (response.Version == HttpVersion.Version10 && !KeepsAlive(response))
        {
            if (closes) return;
            if (_closing.Count >= MaxRemembered) _closing.Clear();
            _closing.TryAdd(origin, 0);
        }
        else if (closes && response.Version >= HttpVersion.Version11)
        {
            // The origin was replaced by one that keeps connections (a new app on the same port).
            _closing.TryRemove(origin, out _);
        }
    }

    private static bool KeepsAlive(HttpResponseMessage response)
    {
        foreach (var token in response.Headers.Connection)
            if (string.Equals(token, "keep-alive", StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    /// <summary>A request with no body and an idempotent method that the origin left unanswered: over HTTP/1.x the
    /// connection ended or was reset before a response; over HTTP/2 the origin closed it gracefully (GOAWAY NO_ERROR, as
    /// nginx does after its per-connection request cap) with the stream still open. See the remarks for why exactly these.</summary>
    private static bool MayRetry(HttpRequestMessage request, HttpRequestException error) =>
        request.Content is null && IsIdempotent(request.Method) && request.Version.Major switch
        {
            1 => error.HttpRequestError == HttpRequestError.ResponseEnded || WasReset(error),
            2 => ClosedGracefully(error),
            _ => false,
        };

    private static bool ClosedGracefully(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
            if (e is HttpProtocolException { ErrorCode: 0 }) return true;
        return false;
    }

    private static bool IsIdempotent(HttpMethod method) =>
        method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options || method == HttpMethod.Trace ||
        method == HttpMethod.Put || method == HttpMethod.Delete;

    private static bool WasReset(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
            if (e is SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted }) return true;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _pooled.Dispose();
            _fresh.Dispose();
        }
        base.Dispose(disposing);
    }
}
