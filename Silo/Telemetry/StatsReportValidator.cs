using Mesh.Abstractions.Stats;
using Mesh.Api.V1;
using Mesh.Names;

namespace Mesh.Silo.Telemetry;

/// <summary>Checks a proxy's report before anything is recorded; every problem is named with its field path so the
/// proxy's log says what to fix. A report with any problem is rejected whole (nothing half-recorded).</summary>
internal static class StatsReportValidator
{
    /// <summary>Longest interval a report may cover: the longest window (a longer one could never fit).</summary>
    public static readonly TimeSpan MaxInterval = StatsWindow.Longest;

    /// <summary>Most served-version entries a report may carry (the proxy sends at most this many).</summary>
    public const int MaxServed = 256;

    private const int MaxAuthorityLength = 512;

    public static IReadOnlyList<string> Validate(StatsReport report)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(report.ProxyId)) errors.Add("proxy_id is required");
        // Both name grain keys ("<namespace>/<workload>"); found by fuzzing (a '/' or no namespace threw in the splitter).
        if (string.IsNullOrWhiteSpace(report.Namespace) || report.Namespace.Contains('/'))
            errors.Add($"namespace must be a namespace name, got \"{report.Namespace}\"");
        if (report.Workload.Contains('/')) errors.Add($"workload must be a workload name, got \"{report.Workload}\"");
        if (report.IntervalStartUnixMs <= 0) errors.Add($"interval_start_unix_ms must be a positive Unix time in ms, got {report.IntervalStartUnixMs}");
        if (report.IntervalMs == 0 || report.IntervalMs > MaxInterval.TotalMilliseconds)
            errors.Add($"interval_ms must be within 1..{MaxInterval.TotalMilliseconds:0}, got {report.IntervalMs}");
        if (report.ProxyClockUnixMs < 0) errors.Add($"proxy_clock_unix_ms cannot be negative, got {report.ProxyClockUnixMs}");
        if (report.CertNotAfterUnixMs < 0) errors.Add($"cert_not_after_unix_ms cannot be negative, got {report.CertNotAfterUnixMs}");

        if (report.Served.Count > MaxServed) errors.Add($"served has {report.Served.Count} entries; at most {MaxServed}");
        else
        {
            for (var i = 0; i < report.Served.Count; i++)
            {
                var v = report.Served[i];
                if (v.Authority.Length is 0 or > MaxAuthorityLength || v.CanonicalAuthority.Length > MaxAuthorityLength)
                    errors.Add($"served[{i}].authority must be 1..{MaxAuthorityLength} characters");
                if (v.EndpointsVersion < 0 || v.ProfileVersion < 0) errors.Add($"served[{i}]: versions cannot be negative");
            }
        }
        if (report.InboundPolicyVersion < 0) errors.Add($"inbound_policy_version cannot be negative, got {report.InboundPolicyVersion}");

        for (var i = 0; i < report.Traffic.Count; i++)
        {
            var t = report.Traffic[i];
            var at = $"traffic[{i}]";
            if (t.Direction is not ("inbound" or "outbound"))
                errors.Add($"{at}.direction must be \"inbound\" or \"outbound\", got \"{t.Direction}\"");
            if (t.Direction == "outbound" && string.IsNullOrWhiteSpace(t.Authority))
                errors.Add($"{at}.authority is required for outbound traffic");
            if (t.LatencyBuckets.Count != 0 && t.LatencyBuckets.Count != LatencyBuckets.Count)
                errors.Add($"{at}.latency_buckets has {t.LatencyBuckets.Count} counts; expected {LatencyBuckets.Count} " +
                           $"({LatencyBuckets.BoundsMs.Length} bounds + Inf) or none");
            if (t.LatencyBoundsMs.Count != 0 && !LatencyBuckets.AreStandard(t.LatencyBoundsMs))
                errors.Add($"{at}.latency_bounds_ms must be the standard bounds [{string.Join(",", LatencyBuckets.BoundsMs)}] or empty");
            if (new[] { t.Requests, t.Successes, t.Failures, t.TcpOpened, t.TcpOpen, t.TcpReadBytes, t.TcpWriteBytes }
                .Concat(t.LatencyBuckets).Any(v => v > long.MaxValue))
                errors.Add($"{at} has a counter above {long.MaxValue}");
            else if (t.Successes + t.Failures > t.Requests)
                errors.Add($"{at}: successes ({t.Successes}) + failures ({t.Failures}) exceed requests ({t.Requests})");
        }
        return errors;
    }
}
