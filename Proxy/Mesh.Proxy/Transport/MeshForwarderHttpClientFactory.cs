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
    /// (<see cref="PersistentConnectionHandler"/>).</summary>
    public static HttpMessageHandler Create(IEndpointConnector connector) =>
        new PersistentConnectionHandler(Sockets(connector, pooled: true), Sockets(connector, pooled: false));

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
        ConnectTimeout = TimeSpan.FromSeconds(3),
        ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
        ConnectCallback = async (ctx, ct) =>
        {
            ctx.InitialRequestMessage.Options.TryGetValue(ExpectedIdentity, out var identity);
            return await connector.ConnectAsync(ctx.DnsEndPoint, identity, ct);
        },
    };

    public void Dispose() => _invoker.Dispose();
}
