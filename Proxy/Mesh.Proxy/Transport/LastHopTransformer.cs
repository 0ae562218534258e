using System.Net;
using Mesh.Proxy.Wire;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Proxy.Transport;

/// <summary>The hop rules of a forward that leaves the mesh (the inbound to its app, the outbound to a destination outside
/// the mesh): no field either side's `Connection` names, no mesh transport field, the client's Host kept, asterisk-form
/// written as such; the request's HTTP version is the subclass's choice.</summary>
internal abstract class LastHopTransformer : HttpTransformer
{
    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        HopByHopHeaders.RemoveNamed(httpContext, proxyRequest);
        // Only a proxy names a peer inbound's target port or vouches for a client, and only towards a meshed endpoint.
        proxyRequest.Headers.Remove(MeshHeaders.TargetPort);
        proxyRequest.Headers.Remove(MeshHeaders.ForwardedClientId);
        if (httpContext.Request.Host.HasValue) proxyRequest.Headers.Host = httpContext.Request.Host.Value;
        AsteriskForm.Carry(httpContext, proxyRequest, toMeshPeer: false);
        var http2 = UseHttp2(httpContext.Request);
        proxyRequest.Version = http2 ? HttpVersion.Version20 : HttpVersion.Version11;
        proxyRequest.VersionPolicy = http2 ? HttpVersionPolicy.RequestVersionExact : HttpVersionPolicy.RequestVersionOrLower;
        Finish(proxyRequest);
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var copy = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        if (proxyResponse is not null) HopByHopHeaders.RemoveNamed(proxyResponse.Headers.Connection, httpContext.Response.Headers);
        return copy;
    }

    /// <summary>HTTP/2 exactly (true), or HTTP/1.1 and lower.</summary>
    protected abstract bool UseHttp2(HttpRequest request);

    /// <summary>A last change to the request before it is sent (none by default).</summary>
    protected virtual void Finish(HttpRequestMessage proxyRequest) { }
}
