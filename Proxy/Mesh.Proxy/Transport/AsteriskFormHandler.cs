using System.Net;

namespace Mesh.Proxy.Transport;

/// <summary>Last hop of an asterisk-form request (<see cref="AsteriskForm.LastHop"/>, still `OPTIONS /` after the route's
/// filters): sends it over HTTP/1.1 on a connection of its own whose request-line <see cref="AsteriskFormStream"/> writes
/// as `OPTIONS * HTTP/1.1`; every other request goes to the inner (pooled) handler untouched.</summary>
/// <remarks>Why a fresh, unpooled connection: the rewrite applies to the first request-line of a connection, so that line
/// must be this request's; SocketsHttpHandler with a zero connection lifetime uses each connection for one request.
/// Why HTTP/1.1 even for an HTTP/2 client: HTTP/2 `:path` comes from the URI too, and an HPACK block cannot be patched
/// as a byte; an origin that speaks only h2c prior knowledge cannot take an `OPTIONS *` through the proxy.</remarks>
internal sealed class AsteriskFormHandler(HttpMessageHandler inner, Func<SocketsHttpHandler> fresh) : DelegatingHandler(inner)
{
    private HttpMessageInvoker? _asterisk;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(AsteriskForm.LastHop, out var asterisk) || !asterisk ||
            request.Method != HttpMethod.Options || request.RequestUri is not { PathAndQuery: "/" })
            return base.SendAsync(request, cancellationToken);
        request.Version = HttpVersion.Version11;
        request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        return Asterisk().SendAsync(request, cancellationToken);
    }

    /// <summary>Made on first use: most proxies never see an `OPTIONS *`.</summary>
    private HttpMessageInvoker Asterisk()
    {
        if (_asterisk is { } made) return made;
        var sockets = fresh();
        var connect = sockets.ConnectCallback ?? throw new InvalidOperationException("the asterisk-form handler needs a ConnectCallback");
        sockets.PooledConnectionLifetime = TimeSpan.Zero;
        sockets.ConnectCallback = async (context, ct) => new AsteriskFormStream(await connect(context, ct));
        var invoker = new HttpMessageInvoker(sockets, disposeHandler: true);
        if (Interlocked.CompareExchange(ref _asterisk, invoker, null) is { } other)
        {
            invoker.Dispose();
            return other;
        }
        return invoker;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _asterisk?.Dispose();
        base.Dispose(disposing);
    }
}
