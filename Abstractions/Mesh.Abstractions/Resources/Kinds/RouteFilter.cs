using System.Collections.Immutable;

namespace Mesh.Abstractions.Resources.Kinds;

/// <summary>A Gateway API filter; only the member named by <see cref="Type"/> is set. GRPCRoute allows the two
/// header modifiers only.</summary>
public sealed record RouteFilter
{
    public string Type { get; init; } = "";
    public HeaderModifier? RequestHeaderModifier { get; init; }
    public HeaderModifier? ResponseHeaderModifier { get; init; }
    public RequestRedirect? RequestRedirect { get; init; }
    public UrlRewrite? UrlRewrite { get; init; }
}

public sealed record HeaderModifier
{
    public ImmutableArray<HttpHeader> Set { get; init; } = [];
    public ImmutableArray<HttpHeader> Add { get; init; } = [];
    public ImmutableArray<string> Remove { get; init; } = [];
}

public sealed record HttpHeader
{
    public string Name { get; init; } = "";
    public string Value { get; init; } = "";
}

public sealed record RequestRedirect
{
    public string? Scheme { get; init; }
    public string? Hostname { get; init; }
    public PathModifier? Path { get; init; }
    public int? Port { get; init; }
    public int StatusCode { get; init; } = 302;
}

public sealed record UrlRewrite
{
    public string? Hostname { get; init; }
    public PathModifier? Path { get; init; }
}

/// <summary>Type ReplaceFullPath (with replaceFullPath) or ReplacePrefixMatch (with replacePrefixMatch).</summary>
public sealed record PathModifier
{
    public string Type { get; init; } = "";
    public string? ReplaceFullPath { get; init; }
    public string? ReplacePrefixMatch { get; init; }
}
