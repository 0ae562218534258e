using System.Globalization;
using System.Net;
using Mesh.Proxy.Errors;
using Mesh.Proxy.Telemetry;
using Mesh.Proxy.Transport;
using Mesh.Proxy.Wire;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Proxy.Outbound;

/// <summary>Destination not in the mesh (transparent mode's original destination, or an address no workload claims):
/// forwards the request to where the client was going, with the hop-by-hop fields of either side and a client's own
/// `mesh-target-port` taken off.</summary>
internal sealed class PassthroughForwarder(IHttpForwarder forwarder, ProxyErrorReporter errors) : IDisposable
{
    private readonly HttpMessageInvoker _invoker = new(MeshForwarderHttpClientFactory.Create(new PlaintextEndpointConnector()), disposeHandler: true);
    private readonly ForwarderRequestConfig _config = new() { ActivityTimeout = TimeSpan.FromMinutes(2) };
    private readonly HostPreservingTransformer _transformer = new();

    public async Task ForwardAsync(HttpContext context, IPEndPoint destination)
    {
        var prefix = $"http://{destination.Address}:{destination.Port.ToString(CultureInfo.InvariantCulture)}";
        var error = await forwarder.SendAsync(context, prefix, _invoker, _config, _transformer);
        if (!context.Response.HasStarted && ForwardingFailure.ToProxyError(error) is { } failure)
        {
            var ex = context.Features.Get<IForwarderErrorFeature>()?.Exception;
            await errors.ReportAsync(context, failure, $"original destination {destination}: {ForwardingFailure.Describe(error, ex)} ({error})", TelemetryNames.Outbound);
        }
    }

    public void Dispose() => _invoker.Dispose();

    private sealed class HostPreservingTransformer : HttpTransformer
    {
        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            // The same hop rules as towards the mesh: no field the client's `Connection` names, never a client's own
            // target port (the destination may be a sidecar's inbound reached by address).
            HopByHopHeaders.RemoveNamed(httpContext, proxyRequest);
            proxyRequest.Headers.Remove(MeshHeaders.TargetPort);
            if (httpContext.Request.Host.HasValue) proxyRequest.Headers.Host = httpContext.Request.Host.Value;
            AsteriskForm.Carry(httpContext, proxyRequest, toMeshPeer: false);
            if (HttpProtocol.IsHttp2(httpContext.Request.Protocol))
            {
                proxyRequest.Version = HttpVersion.Version20;
                proxyRequest.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
            }
            else
            {
                proxyRequest.Version = HttpVersion.Version11;
                proxyRequest.VersionPolicy = HttpVersionPolicy.RequestVersionOrLower;
            }
        }

        /// <summary>YARP's copy of the response, minus the fields the destination's `Connection` names.</summary>
        public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
        {
            var copy = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
            if (proxyResponse is not null) HopByHopHeaders.RemoveNamed(proxyResponse.Headers.Connection, httpContext.Response.Headers);
            return copy;
        }
    }
}
