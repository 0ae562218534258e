using Mesh.Proxy.Errors;
using Mesh.Proxy.Telemetry;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Mesh.Proxy.Outbound;

/// <summary>Runs the rest of the pipeline once per try: request and per-try timeouts (504), retries within the service's
/// budget for bodies up to 64 KiB, each retry excluding the endpoint that failed. Whether a try is retried is
/// <see cref="RetryDecision"/>'s call alone.</summary>
internal sealed class RetryMiddleware(ProxyErrorReporter errors, ProxyMetrics metrics, TimeProvider time)
{
    public const int MaxReplayBody = 64 * 1024;

    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var f = context.Features.Get<MeshRequestFeature>()!;
        var route = f.Route;
        var retry = route.Retry;
        var perTry = retry.PerTryTimeout ?? route.BackendTimeout;
        if (!retry.Enabled && route.RequestTimeout is null && perTry is null)
        {
            await next();
            await ReportForwarderErrorAsync(context);
            return;
        }
        var decision = new RetryDecision(retry, f.Service.Budget);
        context.Features.Set(decision);

        var request = context.Request;
        var replayable = true;
        byte[]? body = null;
        if (HasBody(request))
        {
            replayable = false;
            if (retry.Enabled && request.ContentLength is long length and <= MaxReplayBody)
            {
                body = new byte[length];
                await request.Body.ReadExactlyAsync(body, context.RequestAborted);
                replayable = true;
            }
        }

        var clientAborted = context.RequestAborted;
        using var requestTimeout = route.RequestTimeout is { } rt ? new CancellationTokenSource(rt, time) : null;
        var proxy = context.GetReverseProxyFeature();
        // The load-balancing stage narrows AvailableDestinations to its pick; keep the full list to exclude from.
        var candidates = proxy.AvailableDestinations;
        List<DestinationState>? failed = null;
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                decision.BeginTry(attempt, replayable);
                if (body is not null) request.Body = new MemoryStream(body, writable: false);
                using var tryToken = perTry is not null || requestTimeout is not null
                    ? CancellationTokenSource.CreateLinkedTokenSource(clientAborted, requestTimeout?.Token ?? CancellationToken.None)
                    : null;
                if (perTry is { } pt) tryToken!.CancelAfter(pt);
                if (tryToken is not null) context.RequestAborted = tryToken.Token;
                await next();
                context.RequestAborted = clientAborted;

                if (clientAborted.IsCancellationRequested) return;
                if (requestTimeout?.IsCancellationRequested == true)
                {
                    await errors.ReportAsync(context, ProxyError.RequestTimeout, $"service {f.Authority}: request timed out after {route.RequestTimeout!.Value.TotalMilliseconds} ms", TelemetryNames.Outbound);
                    return;
                }
                var tryTimedOut = tryToken?.IsCancellationRequested == true;
                if (decision.ShouldRetry(context.Response.HasStarted, tryTimedOut, context.Features.Get<IForwarderErrorFeature>()?.Error))
                {
                    metrics.Retried(f.Authority);
                    if (proxy.ProxiedDestination is { } d) (failed ??= []).Add(d);
                    proxy.AvailableDestinations = Exclude(candidates, failed);
                    context.Response.Clear();
                    context.Features.Set<IForwarderErrorFeature>(null);
                    continue;
                }
                if (tryTimedOut)
                {
                    await errors.ReportAsync(context, ProxyError.BackendTimeout, $"service {f.Authority}: backend {f.Backend} did not answer within {perTry!.Value.TotalMilliseconds} ms", TelemetryNames.Outbound);
                    return;
                }
                await ReportForwarderErrorAsync(context);
                return;
            }
        }
        finally
        {
            context.RequestAborted = clientAborted;
        }
    }

    private Task ReportForwarderErrorAsync(HttpContext context)
    {
        if (context.Features.Get<IForwarderErrorFeature>() is not { } error || context.Response.HasStarted) return Task.CompletedTask;
        if (ForwardingFailure.ToProxyError(error.Error) is not { } kind) return Task.CompletedTask;
        var f = context.Features.Get<MeshRequestFeature>();
        var detail = kind == ProxyError.BadRequest
            ? $"service {f?.Authority}: {ForwardingFailure.Describe(error.Error, error.Exception)}"
            : $"service {f?.Authority}: endpoint {context.GetReverseProxyFeature().ProxiedDestination?.DestinationId}: {ForwardingFailure.Describe(error.Error, error.Exception)} ({error.Error})";
        return errors.ReportAsync(context, kind, detail, TelemetryNames.Outbound);
    }

    /// <summary>The candidates minus those that failed this request; all candidates again when none would be left.</summary>
    private static IReadOnlyList<DestinationState> Exclude(IReadOnlyList<DestinationState> candidates, List<DestinationState>? failed)
    {
        if (failed is null) return candidates;
        var rest = new List<DestinationState>(candidates.Count);
        foreach (var d in candidates) if (!failed.Contains(d)) rest.Add(d);
        return rest.Count > 0 ? rest : candidates;
    }

    private static bool HasBody(HttpRequest request) =>
        request.ContentLength is > 0 ||
        (request.ContentLength is null && request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true);
}
