using System.Diagnostics;
using System.Net;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Proxy.Transport;

/// <summary>One shared HTTP client for all clusters, so each endpoint has one pool (one multiplexed HTTP/2 connection to a peer proxy).</summary>
internal sealed class MeshForwarderHttpClientFactory : IForwarderHttpClientFactory, IDisposable
{
    /// <summary>Request option carrying the identity the endpoint must prove (set by the transformer, read at connect).</summary>
    public static readonly HttpRequestOptionsKey<string> ExpectedIdentity = new("mesh.expected-identity");

    private readonly HttpMessageInvoker _invoker;

    public MeshForwarderHttpClientFactory(IEndpointConnector connector)
    {
        Connector = connector;
        _invoker = new HttpMessageInvoker(Create(connector), disposeHandler: true);
    }

    public IEndpointConnector Connector { get; }

    public HttpMessageInvoker CreateClient(ForwarderHttpClientContext context) => _invoker;

    /// <summary>The client every hop sends with: pooled connections, except to origins that close after each response
    /// (<see cref="PersistentConnectionHandler"/>) and for an `OPTIONS *` on its last hop (<see cref="AsteriskFormHandler"/>).</summary>
    public static HttpMessageHandler Create(IEndpointConnector connector) =>
        new AsteriskFormHandler(new PersistentConnectionHandler(Sockets(connector, pooled: true), Sockets(connector, pooled: false)),
            () => Sockets(connector, pooled: false));

    private static SocketsHttpHandler Sockets(IEndpointConnector connector, bool pooled) => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        EnableMultipleHttp2Connections = true,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
        // Zero: a connection serves one request and is closed, never pooled.
        PooledConnectionLifetime = pooled ? Timeout.InfiniteTimeSpan : TimeSpan.Zero,
        // 3 s for the TCP connect to a remote endpoint (then the outbound retries another); the mesh TLS handshake after
        // it has its own bound (10 s): a peer that answered the SYN is up, and a cold or busy sidecar may take seconds to
        // shake hands, which is no reason to call it unreachable. Not to loopback (the local app, a peer on this host): a
        // refused connect there fails at once, and a slow one is an app whose accept queue is full — the kernel dropped
        // the SYN and retransmits it at 1 s, 3 s, 7 s, as it does for a client calling the app directly, which waits.
        // Failing it at 3 s was a 504 the app never caused. The request's own timeouts still bound it.
        ConnectTimeout = LoopbackConnectTimeout,
        ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
        ConnectCallback = async (ctx, ct) =>
        {
            ctx.InitialRequestMessage.Options.TryGetValue(ExpectedIdentity, out var identity);
            // SocketsHttpHandler keeps HTTP/1.1 and HTTP/2 connections apart; the request that opens one says which it is.
            var http11 = ctx.InitialRequestMessage.Version.Major < 2;
            return await connector.ConnectAsync(ctx.DnsEndPoint, identity, http11, ct,
                IsLoopback(ctx.DnsEndPoint.Host) ? null : RemoteConnectTimeout);
        },
    };

    private static readonly TimeSpan RemoteConnectTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan LoopbackConnectTimeout = TimeSpan.FromSeconds(30);

    private static bool IsLoopback(string host) =>
        host == "localhost" || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));

    public void Dispose() => _invoker.Dispose();
}
