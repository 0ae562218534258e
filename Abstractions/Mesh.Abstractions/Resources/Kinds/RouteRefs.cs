namespace Mesh.Abstractions.Resources.Kinds;

/// <summary>The parent a route attaches to. Mesh (GAMMA) routes name a Service: group "" and kind Service.</summary>
public sealed record ParentRef
{
    public string Group { get; init; } = "";
    public string Kind { get; init; } = "Service";
    public string Name { get; init; } = "";
    public string? Namespace { get; init; }
    public int? Port { get; init; }
}

/// <summary>A concrete backend of a route rule: a Service with a weight.</summary>
public sealed record BackendRef
{
    public string Group { get; init; } = "";
    public string Kind { get; init; } = "Service";
    public string Name { get; init; } = "";
    public string? Namespace { get; init; }
    /// <summary>Absent: the parent's port.</summary>
    public int? Port { get; init; }
    public int Weight { get; init; } = 1;
    public System.Collections.Immutable.ImmutableArray<RouteFilter> Filters { get; init; } = [];
}
