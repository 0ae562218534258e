using Mesh.Api.V1;
using MatchType = Mesh.Api.V1.MatchType;

namespace Mesh.Proxy.Outbound;

/// <summary>One HTTPRoute/GRPCRoute match compiled for the hot path: every condition present must hold.</summary>
internal sealed class CompiledMatch
{
    private readonly StringMatcher? _path;
    private readonly string? _method;
    private readonly (string Name, StringMatcher Value)[] _headers;
    private readonly (string Name, StringMatcher Value)[] _query;
    private readonly string? _grpcService;
    private readonly string? _grpcMethod;

    /// <summary>The PathPrefix value, for ReplacePrefixMatch rewrites; null for other path matches.</summary>
    public string? Prefix { get; }

    public CompiledMatch(RouteMatch match)
    {
        if (match.Path is { Type: MatchType.Prefix } prefix) Prefix = prefix.Value.Length > 1 ? prefix.Value.TrimEnd('/') : prefix.Value;
        if (match.Path is { } p && (p.Value.Length > 0 || p.Type != MatchType.Exact)) _path = new StringMatcher(p);
        _method = match.Method.Length > 0 ? match.Method : null;
        _headers = match.Headers.Select(h => (h.Name, new StringMatcher(h.Value ?? new StringMatch()))).ToArray();
        _query = match.QueryParams.Select(h => (h.Name, new StringMatcher(h.Value ?? new StringMatch()))).ToArray();
        _grpcService = match.GrpcService.Length > 0 ? match.GrpcService : null;
        _grpcMethod = match.GrpcMethod.Length > 0 ? match.GrpcMethod : null;
    }

    public bool IsMatch(HttpRequest request)
    {
        if (_method is not null && !string.Equals(request.Method, _method, StringComparison.OrdinalIgnoreCase)) return false;
        var path = request.Path.Value ?? "/";
        if (_path is not null && !_path.IsMatch(path)) return false;
        if (_grpcService is not null || _grpcMethod is not null)
        {
            // gRPC paths are "/package.Service/Method".
            var slash = path.IndexOf('/', 1);
            if (slash < 0) return false;
            if (_grpcService is not null && !path.AsSpan(1, slash - 1).SequenceEqual(_grpcService)) return false;
            if (_grpcMethod is not null && !path.AsSpan(slash + 1).SequenceEqual(_grpcMethod)) return false;
        }
        foreach (var (name, value) in _headers)
        {
            if (!request.Headers.TryGetValue(name, out var values)) return false;
            var any = false;
            foreach (var v in values) if (v is not null && value.IsMatch(v)) { any = true; break; }
            if (!any) return false;
        }
        foreach (var (name, value) in _query)
        {
            if (!request.Query.TryGetValue(name, out var values) || values.Count == 0 || !value.IsMatch(values[0] ?? "")) return false;
        }
        return true;
    }
}
