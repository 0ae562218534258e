using Mesh.Names;
using Mesh.Proxy.Errors;
using Mesh.Proxy.Telemetry;
using Mesh.Proxy.Transport;

namespace Mesh.Proxy.Admin;

/// <summary>A gateway's answer to linked clusters' probes, on its mesh mTLS data port: a request naming authority
/// <see cref="MulticlusterNames.GatewayProbeAuthority"/> is answered by the gateway itself — <c>GET</c>/<c>HEAD</c>
/// <see cref="MulticlusterNames.DefaultProbePath"/> is 200 while the gateway is ready and 503 with the reason while not;
/// any other path is 404. The caller must be a mesh identity (a verified client certificate), as for everything through
/// a gateway; no authorization policy is asked, since the answer says only whether the gateway is ready.</summary>
internal sealed class GatewayProbe(Readiness readiness, ProxyErrorReporter errors)
{
    public static bool Targets(HttpRequest request) =>
        string.Equals(request.Host.Host, MulticlusterNames.GatewayProbeAuthority, StringComparison.OrdinalIgnoreCase);

    public async Task AnswerAsync(HttpContext context)
    {
        if (context.Features.Get<PeerIdentityFeature>() is null)
        {
            await errors.ReportAsync(context, ProxyError.Unauthorized, "gateway probe: only mesh mTLS clients are answered (no client identity)", TelemetryNames.Gateway);
            return;
        }
        var response = context.Response;
        if (context.Request.Path.Value != MulticlusterNames.DefaultProbePath)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            await response.WriteAsync($"gateway probe: the gateway answers only {MulticlusterNames.DefaultProbePath} (set the Link's probeSpec.path to it)\n");
            return;
        }
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }
        if (readiness.Reason is { } reason)
        {
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await response.WriteAsync($"gateway not ready: {reason}\n");
        }
        else await response.WriteAsync("ready\n");
    }
}
