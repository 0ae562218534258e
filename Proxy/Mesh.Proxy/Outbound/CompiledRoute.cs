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
    private readonly uint[] _cumulative;
    private readonly uint _total;

    public CompiledRoute(string name, ImmutableArray<CompiledMatch> matches, ImmutableArray<CompiledBackend> backends, RetrySettings retry, TimeSpan? requestTimeout, TimeSpan? backendTimeout, CompiledFilters? filters = null)
    {
        Name = name;
        _matches = matches;
        Backends = backends;
        Retry = retry;
        RequestTimeout = requestTimeout;
        BackendTimeout = backendTimeout;
        Filters = filters ?? CompiledFilters.None;
        _cumulative = new uint[backends.Length];
        uint sum = 0;
        for (var i = 0; i < backends.Length; i++) { sum += backends[i].Weight; _cumulative[i] = sum; }
        _total = sum;
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

    /// <summary>Picks a backend by weight; null when every weight is zero.</summary>
    public CompiledBackend? PickBackend(int roll)
    {
        if (_total == 0) return null;
        var r = (uint)roll % _total;
        for (var i = 0; i < _cumulative.Length; i++) if (r < _cumulative[i]) return Backends[i];
        return Backends[^1];
    }

    public CompiledBackend? PickBackend() => _total == 0 ? null : PickBackend(Random.Shared.Next((int)Math.Min(_total, int.MaxValue)));
}
