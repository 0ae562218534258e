using System.Globalization;
using Mesh.Proxy.Outbound.Resilience;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Proxy.Outbound;

/// <summary>The whole retry decision of one request, in one place: whether a try may be retried at all (attempts left,
/// a body that can be replayed), whether its outcome is retryable (a status or gRPC code the route retries, a per-try
/// timeout, a connect failure), and the one withdrawal from the service's retry budget per retried try.</summary>
/// <remarks>Made by <see cref="RetryMiddleware"/> per request; <see cref="MeshTransformer"/> asks it when a try's response
/// headers arrive (a retryable response must be swallowed before YARP copies it to the client).</remarks>
internal sealed class RetryDecision
{
    private readonly RetrySettings _retry;
    private readonly RetryBudget _budget;
    private bool _mayRetry;
    private bool _retrying;

    public RetryDecision(RetrySettings retry, RetryBudget budget)
    {
        _retry = retry;
        _budget = budget;
        // Only requests that may be retried fund the budget (as Linkerd budgets per retrying route).
        if (retry.Enabled) budget.Deposit();
    }

    /// <summary>Starts try <paramref name="attempt"/> (0 = the first); <paramref name="replayable"/>: the request's body,
    /// if any, can be sent again.</summary>
    public void BeginTry(int attempt, bool replayable)
    {
        _mayRetry = replayable && attempt < _retry.Limit;
        _retrying = false;
    }

    /// <summary>When the response headers of a try arrive: true = the response is retryable and the budget allows a
    /// retry, so the transformer swallows it instead of copying it.</summary>
    public bool SwallowResponse(HttpResponseMessage response) => _mayRetry && IsRetryable(_retry, response) && Retry();

    /// <summary>After a try: whether to send another one (a swallowed response, or a per-try timeout / connect failure
    /// before any response byte reached the client).</summary>
    public bool ShouldRetry(bool responseStarted, bool tryTimedOut, ForwarderError? error)
    {
        if (_retrying) return true;
        var connectFailed = error is ForwarderError.Request or ForwarderError.RequestTimedOut && _retry.RetriesConnectFailures;
        return _mayRetry && !responseStarted && (tryTimedOut || connectFailed) && Retry();
    }

    /// <summary>The one withdrawal: at most one per try.</summary>
    private bool Retry() => _retrying = _budget.TryWithdraw();

    private static bool IsRetryable(RetrySettings retry, HttpResponseMessage response)
    {
        if (retry.IsRetryableStatus((int)response.StatusCode)) return true;
        if (retry.HasGrpcCodes && response.Headers.TryGetValues("grpc-status", out var values))
        {
            foreach (var v in values)
                if (int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && retry.IsRetryableGrpc(code)) return true;
        }
        return false;
    }
}
