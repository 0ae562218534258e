using Mesh.Proxy.Telemetry;

namespace Mesh.Proxy.Outbound;

/// <summary>Per-request routing decision shared by the outbound stages (routing → retries → transformer); the retry
/// decision is <see cref="RetryDecision"/>'s, a feature of its own.</summary>
internal sealed class MeshRequestFeature(string authority, ServiceWatch service, CompiledRoute route, string backend, CompiledFilters filters, string? matchedPrefix,
    DstLabels? dst = null)
{
    public string Authority { get; } = authority;
    public ServiceWatch Service { get; } = service;
    public CompiledRoute Route { get; } = route;
    public string Backend { get; } = backend;
    /// <summary>The rule's filters merged with the chosen backend's.</summary>
    public CompiledFilters Filters { get; } = filters;
    public string? MatchedPrefix { get; } = matchedPrefix;
    /// <summary>The backend's dst_* metric labels.</summary>
    public DstLabels Dst { get; } = dst ?? DstLabels.None;
    public long TryStartTimestamp { get; set; }
}
