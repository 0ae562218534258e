using Grpc.Core;

namespace Mesh.Proxy.ControlPlane;

/// <summary>Names why a control-plane watch failed, for the <c>reason</c> label of <c>discovery_errors_total</c> and the
/// log line: <c>rpc-&lt;status&gt;</c>, <c>version</c> (an update out of order, a delta before a snapshot) or <c>other</c>.</summary>
internal static class WatchFailure
{
    public static string Reason(Exception e) => e switch
    {
        RpcException rpc => "rpc-" + rpc.StatusCode.ToString().ToLowerInvariant(),
        InvalidDataException => "version",
        _ => "other",
    };
}
