using System.Globalization;
using System.Net;
using Mesh.Proxy.Errors;
using Mesh.Proxy.Telemetry;
using Mesh.Proxy.Transport;
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

    /// <summary>The client's protocol: HTTP/2 stays HTTP/2, the rest goes as HTTP/1.1 or lower.</summary>
    private sealed class HostPreservingTransformer : LastHopTransformer
    {
        protected override bool UseHttp2(HttpRequest request) => HttpProtocol.IsHttp2(request.Protocol);
    }
}
