using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using Mesh.Abstractions.Stats;
using Mesh.Admin.Contract;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Mesh.Silo.Telemetry;

/// <summary>The admin HTTP JSON stats API (`mesh stat`, `mesh edges`, `mesh routes`, `mesh top`, `mesh check` and the
/// dashboard read it). Every list fans out to the stats grains in parallel; the rows are Mesh.Admin.Contract records.</summary>
internal static class StatsApi
{
    /// <summary>A proxy is late when it missed this many report intervals.</summary>
    private const int MissedIntervals = 3;
    /// <summary>The mesh's certificate clock-skew allowance (ARCHITECTURE §4).</summary>
    private static readonly TimeSpan SkewAllowance = TimeSpan.FromSeconds(20);

    public static RouteGroupBuilder MapStatsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v1");
        group.MapGet("/stats/services", ListServices);
        group.MapGet("/stats/services/{ns}/{name}", GetService);
        group.MapGet("/stats/edges", ListEdges);
        group.MapGet("/stats/routes/{ns}/{name}", GetRoutes);
        group.MapGet("/stats/top", Top);
        group.MapGet("/proxies", ListProxies);
        return group;
    }

    private static async Task<Results<Ok<List<ServiceStatsRow>>, ProblemHttpResult>> ListServices(IGrainFactory grains, TimeProvider time, string? @namespace, string? window)
    {
        if (!TryWindow(window, out var span, out var bad)) return bad;
        var directory = await Directory(grains);
        var rows = await Task.WhenAll(directory.Services
            .Where(s => @namespace is null or "" || s.StartsWith(@namespace + "/", StringComparison.Ordinal))
            .Select(async s =>
            {
                var (ns, name) = Abstractions.MeshNames.SplitKey(s);
                var summary = await grains.GetGrain<IStatsGrain>(StatsKeys.Service(ns, name)).GetAsync(span);
                return ServiceRow(ns, name, summary, directory, time);
            }));
        return TypedResults.Ok(rows.ToList());
    }

    private static async Task<Results<Ok<ServiceStatsDetail>, ProblemHttpResult>> GetService(IGrainFactory grains, TimeProvider time, string ns, string name, string? window)
    {
        if (!TryWindow(window, out var span, out var bad)) return bad;
        var directory = await Directory(grains);
        var service = $"{ns}/{name}";
        if (!directory.Services.Contains(service)) return NoStats(service);
        var grain = grains.GetGrain<IStatsGrain>(StatsKeys.Service(ns, name));
        var summaryTask = grain.GetAsync(span);
        var seriesTask = grain.GetSeriesAsync(span, StepFor(span));
        var edges = await EdgeRows(grains, directory, span);
        var summary = await summaryTask;
        return TypedResults.Ok(new ServiceStatsDetail(
            ServiceRow(ns, name, summary, directory, time), StatsWindow.Name(span),
            summary.Routes.Select(Named).ToList(), summary.Backends.Select(Named).ToList(), summary.Paths.Select(Named).ToList(),
            edges.Where(e => e.Dst == service).ToList(),
            edges.Where(e => e.Src == service).ToList(),
            (await seriesTask).Select(p => new SeriesPointRow(p.EndUnixMs, p.Rps, p.SuccessRate, p.LatencyP50Ms, p.LatencyP95Ms, p.LatencyP99Ms)).ToList()));
    }

    private static async Task<Results<Ok<List<EdgeStatsRow>>, ProblemHttpResult>> ListEdges(IGrainFactory grains, string? @namespace, string? window)
    {
        if (!TryWindow(window, out var span, out var bad)) return bad;
        var rows = await EdgeRows(grains, await Directory(grains), span);
        if (@namespace is { Length: > 0 })
            rows = rows.Where(r => r.Src.StartsWith(@namespace + "/", StringComparison.Ordinal)
                                   || r.Dst.StartsWith(@namespace + "/", StringComparison.Ordinal)).ToList();
        return TypedResults.Ok(rows);
    }

    private static async Task<Results<Ok<RouteStatsResponse>, ProblemHttpResult>> GetRoutes(IGrainFactory grains, string ns, string name, string? window)
    {
        if (!TryWindow(window, out var span, out var bad)) return bad;
        if (!(await Directory(grains)).Services.Contains($"{ns}/{name}")) return NoStats($"{ns}/{name}");
        var summary = await grains.GetGrain<IStatsGrain>(StatsKeys.Service(ns, name)).GetAsync(span);
        return TypedResults.Ok(new RouteStatsResponse(ns, name, StatsWindow.Name(span),
            summary.Routes.Select(Named).ToList(), summary.Backends.Select(Named).ToList()));
    }

    private static async Task<Results<Ok<List<TopPathRow>>, ProblemHttpResult>> Top(IGrainFactory grains, string? @namespace, string? window, int? limit)
    {
        if (!TryWindow(window ?? "10s", out var span, out var bad)) return bad;
        if (limit is < 1 or > 1000)
            return TypedResults.Problem(statusCode: 400, title: "invalid limit", detail: $"limit must be within 1..1000, got {limit}");
        var directory = await Directory(grains);
        var perService = await Task.WhenAll(directory.Services
            .Where(s => @namespace is null or "" || s.StartsWith(@namespace + "/", StringComparison.Ordinal))
            .Select(async s =>
            {
                var (ns, name) = Abstractions.MeshNames.SplitKey(s);
                var summary = await grains.GetGrain<IStatsGrain>(StatsKeys.Service(ns, name)).GetAsync(span);
                return summary.Paths.Select(p => new TopPathRow(ns, name, p.Name, p.Metrics.Requests, p.Metrics.Rps,
                    p.Metrics.SuccessRate, p.Metrics.LatencyP50Ms, p.Metrics.LatencyP99Ms));
            }));
        return TypedResults.Ok(perService.SelectMany(r => r).Where(r => r.Requests > 0)
            .OrderByDescending(r => r.Requests).ThenBy(r => r.Path, StringComparer.Ordinal).Take(limit ?? 20).ToList());
    }

    private static async Task<Ok<List<ProxyStatusRow>>> ListProxies(IGrainFactory grains, TimeProvider time)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var directory = await Directory(grains);
        return TypedResults.Ok(directory.Proxies.Select(p => ProxyRow(p, now)).ToList());
    }

    internal static ProxyStatusRow ProxyRow(ProxyStatus p, long now)
    {
        var problems = new List<string>();
        var age = now - p.LastReportUnixMs;
        var late = Math.Max(MissedIntervals * (long)p.IntervalMs, 10_000);
        if (age > late)
            problems.Add($"no stats report for {age / 1000} s (expected every {p.IntervalMs / 1000.0:0.#} s); is the proxy running and able to reach the silo?");
        long? certLeft = p.CertNotAfterUnixMs > 0 ? (p.CertNotAfterUnixMs - now) / 1000 : null;
        if (certLeft is null) problems.Add("no workload certificate; check the proxy's identity token and the silo's identity service");
        else if (certLeft <= 0) problems.Add("workload certificate expired; the proxy failed to renew it: check its logs and the identity service");
        if (!p.DiscoveryConnected) problems.Add("not connected to discovery; check that the proxy can reach the silo's gRPC port");
        if (Math.Abs(p.ClockSkewMs) > SkewAllowance.TotalMilliseconds)
            problems.Add($"clock skew {p.ClockSkewMs / 1000.0:0.#} s exceeds the {SkewAllowance.TotalSeconds:0} s allowance; sync the host clock (NTP)");
        return new ProxyStatusRow(p.ProxyId, p.Namespace, p.Workload, p.Identity, p.Version, p.Services,
            p.LastReportUnixMs, age, p.IntervalMs, p.CertNotAfterUnixMs, certLeft, p.DiscoveryConnected, p.ClockSkewMs, problems,
            p.Served.IsDefault ? [] : [.. p.Served.Select(s => new ServedVersionRow(s.Authority, s.CanonicalAuthority, s.Exists, s.EndpointsVersion, s.ProfileVersion, s.Connected))],
            p.InboundPolicyVersion);
    }

    private static ServiceStatsRow ServiceRow(string ns, string name, StatsSummary s, StatsDirectory directory, TimeProvider time)
    {
        var fresh = time.GetUtcNow().ToUnixTimeMilliseconds() - StatsWindow.OneMinute.TotalMilliseconds;
        var service = $"{ns}/{name}";
        // Meshed: a proxy that serves this service reported lately (or its inbound side shows traffic).
        var meshed = s.Inbound.HasTraffic || directory.Proxies.Any(p => p.LastReportUnixMs >= fresh && p.Services.Contains(service));
        var m = s.Metrics;
        return new ServiceStatsRow(ns, name, meshed, m.SuccessRate, m.Rps, m.LatencyP50Ms, m.LatencyP95Ms, m.LatencyP99Ms,
            m.TcpOpen, m.MtlsPercent, m.Requests);
    }

    private static async Task<List<EdgeStatsRow>> EdgeRows(IGrainFactory grains, StatsDirectory directory, TimeSpan span)
    {
        var rows = await Task.WhenAll(directory.Edges.Select(async key =>
        {
            var s = await grains.GetGrain<IStatsGrain>(key).GetAsync(span);
            StatsKeys.TryParseEdge(key, out var srcIdentity, out var dst);
            var e = s.Edge;
            var m = s.Metrics;
            return new EdgeStatsRow(
                e?.Source ?? "", e?.SourceIdentity ?? (srcIdentity == StatsKeys.Unmeshed ? "" : srcIdentity),
                e?.Destination ?? dst, e?.DestinationIdentity ?? "",
                m.MtlsPercent is >= 100, m.MtlsPercent, m.Rps, m.SuccessRate, m.Requests, m.LatencyP50Ms, m.LatencyP99Ms);
        }));
        return rows.Where(r => r.Requests > 0 || r.Rps > 0 || r.MtlsPercent is not null)
            .OrderBy(r => r.Src, StringComparer.Ordinal).ThenBy(r => r.Dst, StringComparer.Ordinal).ToList();
    }

    private static NamedStatsRow Named(NamedMetrics n) =>
        new(n.Name, n.Metrics.Requests, n.Metrics.Rps, n.Metrics.SuccessRate, n.Metrics.LatencyP50Ms, n.Metrics.LatencyP95Ms, n.Metrics.LatencyP99Ms);

    private static TimeSpan StepFor(TimeSpan window) =>
        window <= StatsWindow.TenSeconds ? TimeSpan.FromSeconds(1)
        : window <= StatsWindow.OneMinute ? TimeSpan.FromSeconds(2)
        : TimeSpan.FromSeconds(10);

    private static ProblemHttpResult NoStats(string service) =>
        TypedResults.Problem(statusCode: 404, title: "no stats for this service",
            detail: $"service {service} has no stats yet: no proxy reported traffic to or from it in the last " +
                    $"{StatsWindow.Name(StatsWindow.Longest)}; is it meshed (mesh run) and receiving traffic?");

    private static Task<StatsDirectory> Directory(IGrainFactory grains) =>
        grains.GetGrain<IStatsDirectoryGrain>(IStatsDirectoryGrain.Key).GetAsync();

    private static bool TryWindow(string? text, out TimeSpan window, [NotNullWhen(false)] out ProblemHttpResult? bad)
    {
        bad = null;
        if (StatsWindow.TryParse(text, out window)) return true;
        bad = TypedResults.Problem(statusCode: 400, title: "invalid window",
            detail: $"window '{text}' is not valid; use one of {string.Join(", ", StatsWindow.ValidNames)}");
        return false;
    }
}
