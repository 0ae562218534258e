using Mesh.Names;
using System.Collections.Immutable;
using Mesh.Api.V1;
using Mesh.Proxy.Outbound.Resilience;

namespace Mesh.Proxy.Outbound;

/// <summary>A service profile compiled once per update: routes in precedence order plus failure-accrual settings.</summary>
internal sealed class CompiledProfile
{
    public static readonly CompiledProfile Empty = new([], FailureAccrualSettings.Default);

    public CompiledProfile(ImmutableArray<CompiledRoute> routes, FailureAccrualSettings accrual)
    {
        Routes = routes;
        Accrual = accrual;
    }

    public ImmutableArray<CompiledRoute> Routes { get; }
    public FailureAccrualSettings Accrual { get; }

    /// <summary>The first route (precedence order from the control plane) that admits the request.</summary>
    public CompiledRoute? Match(HttpRequest request) => Match(request, out _);

    public CompiledRoute? Match(HttpRequest request, out string? matchedPrefix)
    {
        foreach (var r in Routes) if (r.IsMatch(request, out matchedPrefix)) return r;
        matchedPrefix = null;
        return null;
    }

    public static CompiledProfile Compile(string canonicalAuthority, ServiceProfile profile)
    {
        var accrual = FailureAccrualSettings.From(profile.FailureAccrual);
        var baseRetry = RetrySettings.From(profile.Retry);
        var baseTimeouts = profile.Timeouts ?? new Timeouts();
        if (profile.Routes.Count == 0)
        {
            var only = new CompiledRoute("default", [], [new CompiledBackend(canonicalAuthority, 1, CompiledFilters.None)], baseRetry, Ms(baseTimeouts.RequestMs), Ms(baseTimeouts.BackendRequestMs));
            return new CompiledProfile([only], accrual);
        }
        var routes = ImmutableArray.CreateBuilder<CompiledRoute>(profile.Routes.Count);
        foreach (var r in profile.Routes)
        {
            var backends = r.Backends.Count == 0
                ? [new CompiledBackend(canonicalAuthority, 1, CompiledFilters.None)]
                : r.Backends.Select(b => new CompiledBackend(BackendAuthority(b), b.Weight, b.Filters.Count == 0 ? CompiledFilters.None : CompiledFilters.From(r.Filters.Concat(b.Filters)))).ToImmutableArray();
            var retry = r.Retry is { Conditions.Count: > 0 } ? RetrySettings.From(r.Retry) : baseRetry;
            var t = r.Timeouts ?? baseTimeouts;
            var request = Ms(t.RequestMs) ?? Ms(baseTimeouts.RequestMs);
            var backend = Ms(t.BackendRequestMs) ?? Ms(baseTimeouts.BackendRequestMs);
            routes.Add(new CompiledRoute(r.Name.Length > 0 ? r.Name : "default", [.. r.Matches.Select(m => new CompiledMatch(m))], backends, retry, request, backend, CompiledFilters.From(r.Filters)));
        }
        return new CompiledProfile(routes.ToImmutable(), accrual);
    }

    private static string BackendAuthority(Backend b) =>
        b.Authority.Length > 0 ? b.Authority : ServiceAuthority.Format(b.Name, b.Namespace, (int)b.Port);

    private static TimeSpan? Ms(uint ms) => ms == 0 ? null : TimeSpan.FromMilliseconds(ms);
}
