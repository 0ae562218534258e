using System.Globalization;
using Mesh.Api.V1;

namespace Mesh.Proxy.Outbound.Resilience;

/// <summary>When a try is retried: HTTP status classes/ranges and gRPC status codes, with an attempt limit.</summary>
internal sealed class RetrySettings
{
    public static readonly RetrySettings None = new(new bool[600], [], 0, null);

    private readonly bool[] _statuses;
    private readonly HashSet<int> _grpcCodes;

    private RetrySettings(bool[] statuses, HashSet<int> grpcCodes, int limit, TimeSpan? perTryTimeout)
    {
        _statuses = statuses;
        _grpcCodes = grpcCodes;
        Limit = limit;
        PerTryTimeout = perTryTimeout;
    }

    /// <summary>Attempts after the first.</summary>
    public int Limit { get; }
    public TimeSpan? PerTryTimeout { get; }
    public bool Enabled => Limit > 0;
    /// <summary>Connection failures (502 from the proxy itself) count as retryable when any 5xx status is.</summary>
    public bool RetriesConnectFailures => _statuses[502] || _statuses[503];
    public bool HasGrpcCodes => _grpcCodes.Count > 0;

    public bool IsRetryableStatus(int status) => (uint)status < (uint)_statuses.Length && _statuses[status];

    public bool IsRetryableGrpc(int code) => _grpcCodes.Contains(code);

    /// <summary>Parses the profile's conditions; unknown words are ignored (the control plane validates them).</summary>
    public static RetrySettings From(RetryPolicy? policy)
    {
        if (policy is null || policy.Conditions.Count == 0) return None;
        var statuses = new bool[600];
        var grpc = new HashSet<int>();
        foreach (var raw in policy.Conditions)
        {
            var c = raw.Trim().ToLowerInvariant();
            switch (c)
            {
                case "5xx": Mark(statuses, 500, 599); break;
                case "gateway-error": Mark(statuses, 502, 504); break;
                case "retriable-4xx": Mark(statuses, 409, 409); break;
                case "cancelled": grpc.Add(1); break;
                case "unknown": grpc.Add(2); break;
                case "deadline-exceeded": grpc.Add(4); break;
                case "resource-exhausted": grpc.Add(8); break;
                case "internal": grpc.Add(13); break;
                case "unavailable": grpc.Add(14); break;
                default:
                    var dash = c.IndexOf('-');
                    if (dash > 0 && int.TryParse(c[..dash], CultureInfo.InvariantCulture, out var lo) && int.TryParse(c[(dash + 1)..], CultureInfo.InvariantCulture, out var hi))
                        Mark(statuses, lo, hi);
                    else if (int.TryParse(c, CultureInfo.InvariantCulture, out var one)) Mark(statuses, one, one);
                    break;
            }
        }
        var limit = policy.Limit == 0 ? 1 : (int)Math.Min(policy.Limit, 10);
        return new RetrySettings(statuses, grpc, limit, policy.PerTryTimeoutMs == 0 ? null : TimeSpan.FromMilliseconds(policy.PerTryTimeoutMs));
    }

    private static void Mark(bool[] statuses, int lo, int hi)
    {
        for (var s = Math.Max(lo, 100); s <= Math.Min(hi, 599); s++) statuses[s] = true;
    }
}
