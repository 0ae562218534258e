using System.Collections.Immutable;
using Mesh.Abstractions.Model;

namespace Mesh.Abstractions.Resources;

/// <summary>The views to write after a change, keyed by name: only keys whose view changed by content
/// (<see cref="ViewEquality"/>). A key that disappeared maps to its "absent" value: a null ServiceView,
/// <see cref="EndpointSetView.Empty"/>, <see cref="ProfileView.Default"/>, <see cref="InboundPolicyView.Missing"/>.</summary>
public sealed record DerivedNamespaceDiff(
    ImmutableDictionary<string, ServiceView?> Services,
    ImmutableDictionary<string, EndpointSetView> EndpointSets,
    ImmutableDictionary<string, ProfileView> Profiles,
    ImmutableDictionary<string, InboundPolicyView> Inbound)
{
    public bool IsEmpty => Services.IsEmpty && EndpointSets.IsEmpty && Profiles.IsEmpty && Inbound.IsEmpty;

    /// <summary>What changed from <paramref name="before"/> (null: nothing derived yet) to <paramref name="after"/>.</summary>
    public static DerivedNamespaceDiff Compute(string ns, DerivedNamespace? before, DerivedNamespace after, ReconcileSettings settings) => new(
        Changes<ServiceView, ServiceView?>(before?.Services, after.Services, _ => null),
        Changes(before?.EndpointSets, after.EndpointSets, name => EndpointSetView.Empty(ns, name)),
        Changes(before?.Profiles, after.Profiles, name => ProfileView.Default(ns, name)),
        Changes(before?.Inbound, after.Inbound, name => InboundPolicyView.Missing(ns, name, settings.DefaultPolicy)));

    private static ImmutableDictionary<string, TOut> Changes<TIn, TOut>(
        ImmutableDictionary<string, TIn>? before, ImmutableDictionary<string, TIn> after, Func<string, TOut> absent)
        where TIn : TOut
    {
        var changes = ImmutableDictionary.CreateBuilder<string, TOut>(StringComparer.Ordinal);
        foreach (var (name, view) in after)
            if (before is null || !before.TryGetValue(name, out var old) || !ViewEquality.Equal(old, view))
                changes[name] = view;
        if (before is not null)
            foreach (var name in before.Keys)
                if (!after.ContainsKey(name)) changes[name] = absent(name);
        return changes.ToImmutable();
    }
}
