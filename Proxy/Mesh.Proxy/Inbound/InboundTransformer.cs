using System.Net;
using Mesh.Proxy.Transport;
using Mesh.Proxy.Wire;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Proxy.Inbound;

/// <summary>Prepares the request to the local app: drops mesh transport headers and the fields the peer's `Connection`
/// names, keeps the original Host; drops the fields the app's `Connection` names from its response.</summary>
internal sealed class InboundTransformer : HttpTransformer
{
    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        HopByHopHeaders.RemoveNamed(httpContext, proxyRequest);
        proxyRequest.Headers.Remove(MeshHeaders.TargetPort);
        if (httpContext.Request.Host.HasValue) proxyRequest.Headers.Host = httpContext.Request.Host.Value;
        RepeatedFields.JoinWithComma(proxyRequest.Headers);
        AsteriskForm.Carry(httpContext, proxyRequest, toMeshPeer: false);
        // gRPC needs HTTP/2 end to end (trailers); everything else is downgraded to HTTP/1.1, which every app speaks.
        if (IsGrpc(httpContext.Request))
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

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var copy = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        if (proxyResponse is not null) HopByHopHeaders.RemoveNamed(proxyResponse.Headers.Connection, httpContext.Response.Headers);
        return copy;
    }

    public static bool IsGrpc(HttpRequest request) =>
        request.ContentType is { } ct && ct.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);
}
