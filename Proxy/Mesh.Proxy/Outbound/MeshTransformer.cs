using System.Diagnostics;
using System.Net;
using Mesh.Proxy.Outbound.Resilience;
using Mesh.Proxy.Telemetry;
using Mesh.Proxy.Transport;
using Mesh.Proxy.Wire;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Proxy.Outbound;

/// <summary>Shapes each outbound try: HTTP/2 + target-port header to meshed endpoints (HTTP/1.1 for HTTP/1.x clients with
/// <paramref name="meshLegHttp11"/>), the client's protocol to others,
/// without the fields the client's `Connection` names nor a client's own target port; records the endpoint's latency when
/// headers arrive and swallows retryable responses.</summary>
internal sealed class MeshTransformer(EndpointStats stats, bool meshLegHttp11) : HttpTransformer
{
    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        HopByHopHeaders.RemoveNamed(httpContext, proxyRequest);
        // Only the proxy says which port a peer's inbound forwards to, and only to meshed endpoints: a client's value
        // would reach a non-meshed destination as is, or ride along with ours to a peer.
        proxyRequest.Headers.Remove(MeshHeaders.TargetPort);
        // Only a gateway vouches for a client, and only for the one it verified (ForwardedClientFeature): a value from the
        // app, or from a local process on a gateway's outbound port, would be sent under this proxy's identity.
        proxyRequest.Headers.Remove(MeshHeaders.ForwardedClientId);
        // Keep the logical authority: the peer proxy and the app see what the client asked for.
        proxyRequest.Headers.Host = httpContext.Request.Host.Value;
        var destination = httpContext.GetReverseProxyFeature().ProxiedDestination;
        var metadata = destination?.Model.Config.Metadata;
        if (metadata is not null && metadata.TryGetValue(DestinationMetadata.Identity, out var identity))
        {
            // The pooled connection's ALPN follows this version (MeshForwarderHttpClientFactory): an HTTP/1.1 leg is one
            // connection per request in flight, without HttpClient's and Kestrel's HTTP/2 stream machinery.
            proxyRequest.Version = meshLegHttp11 && !HttpProtocol.IsHttp2(httpContext.Request.Protocol) ? HttpVersion.Version11 : HttpVersion.Version20;
            proxyRequest.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
            proxyRequest.Headers.TryAddWithoutValidation(MeshHeaders.TargetPort, metadata[DestinationMetadata.TargetPort]);
            proxyRequest.Options.Set(MeshForwarderHttpClientFactory.ExpectedIdentity, identity);
            if (httpContext.Features.Get<ForwardedClientFeature>() is { } client)
                proxyRequest.Headers.TryAddWithoutValidation(MeshHeaders.ForwardedClientId, client.Identity);
            AsteriskForm.Carry(httpContext, proxyRequest, toMeshPeer: true);
            // A multicluster gateway routes by authority in its own cluster: send the remote service's name.
            if (metadata.TryGetValue(DestinationMetadata.AuthorityOverride, out var authority)) proxyRequest.Headers.Host = authority;
        }
        else if (HttpProtocol.IsHttp2(httpContext.Request.Protocol))
        {
            proxyRequest.Version = HttpVersion.Version20;
            proxyRequest.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
            AsteriskForm.Carry(httpContext, proxyRequest, toMeshPeer: false);
        }
        else
        {
            proxyRequest.Version = HttpVersion.Version11;
            proxyRequest.VersionPolicy = HttpVersionPolicy.RequestVersionOrLower;
            AsteriskForm.Carry(httpContext, proxyRequest, toMeshPeer: false);
        }
        if (httpContext.Features.Get<MeshRequestFeature>() is { } f)
        {
            if (!f.Filters.IsEmpty)
            {
                // YARP fills RequestUri after the transform; a rewrite needs it now.
                if (f.Filters.Rewrite is not null)
                    proxyRequest.RequestUri ??= RequestUtilities.MakeDestinationAddress(destinationPrefix, httpContext.Request.Path, httpContext.Request.QueryString);
                f.Filters.ApplyRequest(proxyRequest, f.MatchedPrefix);
            }
            f.TryStartTimestamp = Stopwatch.GetTimestamp();
        }
        RepeatedFields.JoinWithComma(proxyRequest.Headers);
    }

    public override ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var f = httpContext.Features.Get<MeshRequestFeature>();
        if (f is not null && proxyResponse is not null)
        {
            if (httpContext.GetReverseProxyFeature().ProxiedDestination is { } destination)
                stats.Get(destination).Latency.Observe(Stopwatch.GetElapsedTime(f.TryStartTimestamp).TotalMilliseconds);
            // A retryable response is swallowed here, before YARP copies it; the retry stage then sends the next try.
            if (httpContext.Features.Get<RetryDecision>() is { } retry && retry.SwallowResponse(proxyResponse))
                return new ValueTask<bool>(false);
        }
        return CopyAsync(httpContext, proxyResponse, f?.Filters.ResponseHeaders is null ? null : f.Filters, cancellationToken);
    }

    /// <summary>YARP's copy of the response, minus the fields the endpoint's `Connection` names, then the route's filters.</summary>
    private async ValueTask<bool> CopyAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CompiledFilters? filters, CancellationToken cancellationToken)
    {
        var copy = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        if (proxyResponse is not null) HopByHopHeaders.RemoveNamed(proxyResponse.Headers.Connection, httpContext.Response.Headers);
        filters?.ApplyResponse(httpContext.Response);
        return copy;
    }
}
