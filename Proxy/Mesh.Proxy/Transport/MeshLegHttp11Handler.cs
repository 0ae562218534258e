using System.Net;

namespace Mesh.Proxy.Transport;

/// <summary>A benchmark lever (bench/proxy/run.sh `MESH_AB`): requests to a mesh peer go as HTTP/1.1 keep-alive over
/// mesh TLS (one pooled connection per request in flight) instead of multiplexed HTTP/2, the leg without HttpClient's
/// HTTP/2 write loop. The peer's inbound detects the protocol from the first bytes, so it needs no change.</summary>
internal sealed class MeshLegHttp11Handler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Options.TryGetValue(MeshForwarderHttpClientFactory.ExpectedIdentity, out _))
        {
            request.Version = HttpVersion.Version11;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }
        return base.SendAsync(request, cancellationToken);
    }
}
