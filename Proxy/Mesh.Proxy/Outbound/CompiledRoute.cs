using System.Collections.Immutable;
using Mesh.Proxy.Outbound.Resilience;
using Mesh.Proxy.Telemetry;

namespace Mesh.Proxy.Outbound;

/// <summary>A concrete service a route splits traffic to, with its share.</summary>
internal sealed record CompiledBackend(string Authority, uint Weight, CompiledFilters Filters)
{
    /// <summary>Its dst_* metric labels, parsed once per profile update instead of per request.</summary>
    public DstLabels Dst { get; } = DstLabels.From(Authority);
}

/// <summary>One route rule of a logical service: matches, weighted backends, retry and timeout settings.</summary>
internal sealed class CompiledRoute
{
    private readonly ImmutableArray<CompiledMatch> _matches;

    public CompiledRoute(string name, ImmutableArray<CompiledMatch> matches, ImmutableArray<CompiledBackend> backends, RetrySettings retry, TimeSpan? requestTimeout, TimeSpan? backendTimeout, CompiledFilters? filters = null)
    {
        Name = name;
        _matches = matches;
        Backends = backends;
        Retry = retry;
        RequestTimeout = requestTimeout;
        BackendTimeout = backendTimeout;
        Filters = filters ?? CompiledFilters.None;
    }

    public string Name { get; }
    public ImmutableArray<CompiledBackend> Backends { get; }
    public RetrySettings Retry { get; }
    public TimeSpan? RequestTimeout { get; }
    public TimeSpan? BackendTimeout { get; }
    public CompiledFilters Filters { get; }

    /// <summary>Any match admits the request; no matches admits everything.</summary>
    public bool IsMatch(HttpRequest request) => IsMatch(request, out _);

    /// <summary>As <see cref="IsMatch(HttpRequest)"/>, also giving the PathPrefix that matched (for prefix rewrites).</summary>
    public bool IsMatch(HttpRequest request, out string? matchedPrefix)
    {
        matchedPrefix = null;
        if (_matches.IsEmpty) return true;
        foreach (var m in _matches)
        {
            if (!m.IsMatch(request)) continue;
            matchedPrefix = m.Prefix;
            return true;
        }
        return false;
    }

    /// <summary>Picks a backend by weight among those <paramref name="isAvailable"/> says have endpoints (see
    /// <see cref="BackendFailover"/> for weight 0 and the all-empty case); null when every weight is zero.</summary>
    public CompiledBackend? PickBackend(Func<string, bool> isAvailable, int roll) => BackendFailover.Pick(Backends, isAvailable, roll);

    public CompiledBackend? PickBackend(Func<string, bool> isAvailable) => PickBackend(isAvailable, Random.Shared.Next());

    /// <summary>As if every backend had endpoints: the plain weighted split.</summary>
    public CompiledBackend? PickBackend(int roll) => PickBackend(AllAvailable, roll);

    public CompiledBackend? PickBackend() => PickBackend(AllAvailable);

    private static readonly Func<string, bool> AllAvailable = _ => true;
}
