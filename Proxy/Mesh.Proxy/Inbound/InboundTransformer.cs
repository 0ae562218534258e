using Mesh.Proxy.Transport;

namespace Mesh.Proxy.Inbound;

/// <summary>Prepares the request to the local app: drops mesh transport headers and the fields the peer's `Connection`
/// names, keeps the original Host; drops the fields the app's `Connection` names from its response.</summary>
internal sealed class InboundTransformer : LastHopTransformer
{
    // gRPC needs HTTP/2 end to end (trailers); everything else is downgraded to HTTP/1.1, which every app speaks.
    protected override bool UseHttp2(HttpRequest request) => IsGrpc(request);

    protected override void Finish(HttpRequestMessage proxyRequest) => RepeatedFields.JoinWithComma(proxyRequest.Headers);

    public static bool IsGrpc(HttpRequest request) =>
        request.ContentType is { } ct && ct.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);
}
