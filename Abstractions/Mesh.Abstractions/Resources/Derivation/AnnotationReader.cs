using System.Collections.Immutable;
using System.Globalization;
using Mesh.Abstractions.Model;
using Mesh.Abstractions.Resources.Validation;
using A = Mesh.Abstractions.Resources.MeshAnnotations;

namespace Mesh.Abstractions.Resources.Derivation;

/// <summary>Retry settings read from one object's annotations; null members were not set there.</summary>
internal sealed record RetryAnnotations(ImmutableArray<string>? Http, ImmutableArray<string>? Grpc, int? Limit, TimeSpan? PerTry)
{
    public bool Any => Http is not null || Grpc is not null || Limit is not null || PerTry is not null;
}

internal sealed record TimeoutAnnotations(TimeSpan? Request, TimeSpan? Response, TimeSpan? Idle)
{
    public bool Any => Request is not null || Response is not null || Idle is not null;
}

/// <summary>Validates and reads the mesh annotations. Validation runs in the parser; the readers skip values that
/// would not validate (resources written by other paths must not make derivation throw).</summary>
internal static class AnnotationReader
{
    private static readonly string[] RouteAnnotations =
        [A.RetryHttp, A.RetryGrpc, A.RetryLimit, A.RetryTimeout, A.TimeoutRequest, A.TimeoutResponse, A.TimeoutIdle];
    private static readonly string[] ServiceAnnotations =
        [.. RouteAnnotations, A.FailureAccrual, A.FailureAccrualMaxFailures, A.FailureAccrualMinPenalty,
         A.FailureAccrualMaxPenalty, A.FailureAccrualJitterRatio, A.OpaquePorts, A.BalancerLocality];
    private static readonly string[] WorkloadAnnotations = [A.DefaultInboundPolicy];

    public static readonly ImmutableArray<string> GrpcCodes =
    [
        "cancelled", "unknown", "invalid-argument", "deadline-exceeded", "not-found", "already-exists",
        "permission-denied", "resource-exhausted", "failed-precondition", "aborted", "out-of-range",
        "unimplemented", "internal", "unavailable", "data-loss", "unauthenticated",
    ];

    public static readonly ImmutableArray<string> InboundPolicies =
        ["all-unauthenticated", "all-authenticated", "cluster-authenticated", "deny"];

    /// <summary>Problems with the mesh annotations of a resource of <paramref name="kind"/>: (key, message).</summary>
    public static IEnumerable<(string Key, string Problem)> Validate(string kind, IEnumerable<KeyValuePair<string, string>> annotations)
    {
        var allowed = kind switch
        {
            "Service" => ServiceAnnotations,
            "HTTPRoute" or "GRPCRoute" => RouteAnnotations,
            "Workload" => WorkloadAnnotations,
            _ => [],
        };
        var dict = annotations.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        foreach (var (key, value) in dict)
        {
            if (!A.ReservedPrefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal))) continue;
            if (Array.IndexOf(allowed, key) < 0)
            {
                var where = ServiceAnnotations.Contains(key) ? "only on a Service" + (RouteAnnotations.Contains(key) ? " or a route" : "")
                    : WorkloadAnnotations.Contains(key) ? "only on a Workload" : null;
                yield return (key, where is not null
                    ? $"this annotation applies {where}, not a {kind}"
                    : $"unknown mesh annotation; known on a {kind}: {(allowed.Length == 0 ? "none" : string.Join(", ", allowed))}");
                continue;
            }
            if (Check(key, value) is { } problem) yield return (key, problem);
        }
        if (Penalty(dict, A.FailureAccrualMinPenalty) is { } min && Penalty(dict, A.FailureAccrualMaxPenalty) is { } max && min > max)
            yield return (A.FailureAccrualMaxPenalty, $"must not be less than {A.FailureAccrualMinPenalty}");
    }

    private static TimeSpan? Penalty(Dictionary<string, string> d, string key) =>
        d.TryGetValue(key, out var v) && Duration.TryParse(v, out var t) ? t : null;

    private static string? Check(string key, string value) => key switch
    {
        A.RetryHttp => HttpConditions(value, out _),
        A.RetryGrpc => GrpcConditions(value, out _),
        A.RetryLimit => Int(value, 0, 100, out _),
        A.FailureAccrualMaxFailures => Int(value, 1, 1000, out _),
        A.RetryTimeout or A.TimeoutRequest or A.TimeoutResponse or A.TimeoutIdle
            or A.FailureAccrualMinPenalty or A.FailureAccrualMaxPenalty => Checks.Duration(value),
        A.FailureAccrual => value is "consecutive" or "disabled" ? null : $"must be \"consecutive\" or \"disabled\", not \"{value}\"",
        A.FailureAccrualJitterRatio => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var j) && j is >= 0 and <= 100
            ? null : $"must be a number 0..100 such as 0.5, not \"{value}\"",
        A.OpaquePorts => Ports(value, out _),
        A.BalancerLocality => value is A.LocalityPreferLocal or A.LocalityNone ? null : $"must be \"{A.LocalityPreferLocal}\" or \"{A.LocalityNone}\", not \"{value}\"",
        A.DefaultInboundPolicy => InboundPolicies.Contains(value) ? null : $"must be one of {string.Join(", ", InboundPolicies)}, not \"{value}\"",
        _ => null,
    };

    private static string? Int(string value, int min, int max, out int result) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out result) && result >= min && result <= max
            ? null : $"must be an integer {min}..{max}, not \"{value}\"";

    /// <summary>"5xx", "gateway-error" (502-504), a status "503" or a range "500-504"; comma-separated.</summary>
    public static string? HttpConditions(string value, out ImmutableArray<string> conditions)
    {
        var list = ImmutableArray.CreateBuilder<string>();
        conditions = [];
        foreach (var raw in value.Split(','))
        {
            var c = raw.Trim().ToLowerInvariant();
            if (c is "5xx" or "gateway-error") { list.Add(c); continue; }
            var dash = c.IndexOf('-');
            var (lo, hi) = dash < 0 ? (c, c) : (c[..dash], c[(dash + 1)..]);
            if (int.TryParse(lo, NumberStyles.None, CultureInfo.InvariantCulture, out var l) && int.TryParse(hi, NumberStyles.None, CultureInfo.InvariantCulture, out var h)
                && l is >= 100 and <= 599 && h is >= 100 and <= 599 && l <= h)
            {
                list.Add(c);
                continue;
            }
            return $"\"{raw.Trim()}\" is not a retry condition: use 5xx, gateway-error, a status such as 503 or a range such as 500-504, comma-separated";
        }
        conditions = list.ToImmutable();
        return null;
    }

    public static string? GrpcConditions(string value, out ImmutableArray<string> codes)
    {
        var list = ImmutableArray.CreateBuilder<string>();
        codes = [];
        foreach (var raw in value.Split(','))
        {
            var c = raw.Trim().ToLowerInvariant().Replace('_', '-');
            if (!GrpcCodes.Contains(c))
                return $"\"{raw.Trim()}\" is not a gRPC status code name; use e.g. unavailable, cancelled, deadline-exceeded, internal, resource-exhausted";
            list.Add(c);
        }
        codes = list.ToImmutable();
        return null;
    }

    /// <summary>"5432,6379" or ranges "8000-8010".</summary>
    public static string? Ports(string value, out ImmutableArray<int> ports)
    {
        var set = new SortedSet<int>();
        ports = [];
        foreach (var raw in value.Split(','))
        {
            var p = raw.Trim();
            if (p.Length == 0) continue;
            var dash = p.IndexOf('-');
            var (lo, hi) = dash < 0 ? (p, p) : (p[..dash], p[(dash + 1)..]);
            if (!int.TryParse(lo, NumberStyles.None, CultureInfo.InvariantCulture, out var l) || !int.TryParse(hi, NumberStyles.None, CultureInfo.InvariantCulture, out var h)
                || l is < 1 or > 65535 || h is < 1 or > 65535 || l > h || h - l > 65535)
                return $"\"{p}\" is not a port 1..65535 or a range such as 8000-8010";
            for (var i = l; i <= h; i++) set.Add(i);
        }
        ports = [.. set];
        return null;
    }

    public static RetryAnnotations ReadRetry(IReadOnlyDictionary<string, string> a) => new(
        a.TryGetValue(A.RetryHttp, out var http) && HttpConditions(http, out var hc) is null ? hc : null,
        a.TryGetValue(A.RetryGrpc, out var grpc) && GrpcConditions(grpc, out var gc) is null ? gc : null,
        a.TryGetValue(A.RetryLimit, out var limit) && Int(limit, 0, 100, out var l) is null ? l : null,
        ReadDuration(a, A.RetryTimeout));

    public static TimeoutAnnotations ReadTimeouts(IReadOnlyDictionary<string, string> a) =>
        new(ReadDuration(a, A.TimeoutRequest), ReadDuration(a, A.TimeoutResponse), ReadDuration(a, A.TimeoutIdle));

    /// <summary>Failure accrual is on by default with Linkerd's parameters; "disabled" yields ConsecutiveFailures = 0.</summary>
    public static FailureAccrualView ReadFailureAccrual(IReadOnlyDictionary<string, string> a)
    {
        if (a.TryGetValue(A.FailureAccrual, out var mode) && mode == "disabled")
            return FailureAccrualView.Default with { ConsecutiveFailures = 0 };
        var d = FailureAccrualView.Default;
        var max = a.TryGetValue(A.FailureAccrualMaxFailures, out var m) && Int(m, 1, 1000, out var mv) is null ? mv : d.ConsecutiveFailures;
        var jitter = a.TryGetValue(A.FailureAccrualJitterRatio, out var j)
            && double.TryParse(j, NumberStyles.Float, CultureInfo.InvariantCulture, out var jv) && jv is >= 0 and <= 100 ? jv : d.Jitter;
        var min = ReadDuration(a, A.FailureAccrualMinPenalty) ?? d.MinBackoff;
        var maxPenalty = ReadDuration(a, A.FailureAccrualMaxPenalty) ?? d.MaxBackoff;
        return new FailureAccrualView(max, min, maxPenalty < min ? min : maxPenalty, jitter);
    }

    public static ImmutableArray<int> ReadOpaquePorts(IReadOnlyDictionary<string, string> a) =>
        a.TryGetValue(A.OpaquePorts, out var v) && Ports(v, out var ports) is null ? ports : [];

    public static DefaultPolicyKind? ReadDefaultPolicy(IReadOnlyDictionary<string, string> a) =>
        a.TryGetValue(A.DefaultInboundPolicy, out var v) ? v switch
        {
            "all-unauthenticated" => DefaultPolicyKind.AllUnauthenticated,
            "all-authenticated" => DefaultPolicyKind.AllAuthenticated,
            "cluster-authenticated" => DefaultPolicyKind.ClusterAuthenticated,
            "deny" => DefaultPolicyKind.Deny,
            _ => null,
        } : null;

    private static TimeSpan? ReadDuration(IReadOnlyDictionary<string, string> a, string key) =>
        a.TryGetValue(key, out var v) && Duration.TryParse(v, out var t) ? t : null;
}
