using System.Collections.Immutable;
using Mesh.Abstractions.Resources.Kinds;

namespace Mesh.Abstractions.Resources.Derivation;

/// <summary>Kubernetes label-selector semantics.</summary>
public static class LabelSelectorMatcher
{
    /// <summary>Service selectors: every pair must match; an empty selector selects nothing (no derived endpoints).</summary>
    public static bool MatchesServiceSelector(ImmutableDictionary<string, string> selector, ImmutableDictionary<string, string> labels) =>
        !selector.IsEmpty && selector.All(p => labels.TryGetValue(p.Key, out var v) && v == p.Value);

    /// <summary>A LabelSelector: matchLabels and every matchExpression must hold; an empty selector selects everything.</summary>
    public static bool Matches(LabelSelector selector, ImmutableDictionary<string, string> labels) =>
        selector.MatchLabels.All(p => labels.TryGetValue(p.Key, out var v) && v == p.Value)
        && selector.MatchExpressions.All(e => e.Operator switch
        {
            "In" => labels.TryGetValue(e.Key, out var v) && e.Values.Contains(v),
            "NotIn" => !labels.TryGetValue(e.Key, out var v) || !e.Values.Contains(v),
            "Exists" => labels.ContainsKey(e.Key),
            "DoesNotExist" => !labels.ContainsKey(e.Key),
            _ => false,
        });
}
