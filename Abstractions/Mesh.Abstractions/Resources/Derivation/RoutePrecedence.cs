using Mesh.Abstractions.Model;

namespace Mesh.Abstractions.Resources.Derivation;

/// <summary>One compiled (rule, match) with what Gateway API precedence compares.</summary>
internal sealed record RouteCandidate(
    RouteView View,
    DateTimeOffset? Created,
    string RouteName,
    int RuleIndex,
    int MatchIndex,
    MatchRank Rank);

/// <summary>Precedence facts of one match. HTTP: exact path, then longer prefix, then method, then more headers, then
/// more query params. gRPC: longer service, then longer method, then more headers.</summary>
internal sealed record MatchRank(int PathKind, int PathLength, bool HasMethod, int Headers, int QueryParams, int ServiceLength, int MethodLength);

/// <summary>Orders candidates by Gateway API precedence; ties go to the older route (creationTimestamp), then the
/// route name, then rule and match order within the route.</summary>
internal sealed class RoutePrecedence : IComparer<RouteCandidate>
{
    public static readonly RoutePrecedence Instance = new();

    public int Compare(RouteCandidate? x, RouteCandidate? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        var a = x.Rank;
        var b = y.Rank;
        int c;
        if ((c = a.PathKind.CompareTo(b.PathKind)) != 0) return c;
        if ((c = b.PathLength.CompareTo(a.PathLength)) != 0) return c;
        if ((c = b.HasMethod.CompareTo(a.HasMethod)) != 0) return c;
        if ((c = b.ServiceLength.CompareTo(a.ServiceLength)) != 0) return c;
        if ((c = b.MethodLength.CompareTo(a.MethodLength)) != 0) return c;
        if ((c = b.Headers.CompareTo(a.Headers)) != 0) return c;
        if ((c = b.QueryParams.CompareTo(a.QueryParams)) != 0) return c;
        if ((c = (x.Created ?? DateTimeOffset.MaxValue).CompareTo(y.Created ?? DateTimeOffset.MaxValue)) != 0) return c;
        if ((c = string.CompareOrdinal(x.RouteName, y.RouteName)) != 0) return c;
        if ((c = x.RuleIndex.CompareTo(y.RuleIndex)) != 0) return c;
        if ((c = x.MatchIndex.CompareTo(y.MatchIndex)) != 0) return c;
        return x.View.Port.CompareTo(y.View.Port);
    }

    /// <summary>Exact paths first, then prefixes, then regular expressions, then no path (gRPC routes carry their
    /// method as a path, but rank by service and method instead).</summary>
    public static int PathKind(StringMatchView? path) => path?.Kind switch
    {
        MatchKind.Exact => 0,
        MatchKind.Prefix => 1,
        MatchKind.Regex => 2,
        _ => 3,
    };
}
