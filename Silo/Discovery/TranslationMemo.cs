using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.Api.V1;
using Mesh.Names;

namespace Mesh.Silo.Discovery;

/// <summary>Shares translation and diff work among the watchers of one service: every watcher of a feed receives the
/// same view instances, so results are memoized on those instances (weakly: they vanish with the views). With 1,000
/// watchers this turns 1,000 translations and diffs per change into one, and keeps one copy of the endpoints in memory.
/// An endpoint set a feed made by applying a delta (<see cref="Derived"/>) is translated by patching the translation of
/// the set before it, and diffed over the changed keys only, so one endpoint changing costs one endpoint, not the set.</summary>
internal static class TranslationMemo
{
    private sealed class Box
    {
        public readonly List<(ServiceAuthority Authority, ServiceView? Service, Versioned<ProfileView> Profile, Versioned<ProfileView>? Consumer, TranslatedService Result, bool Collided)> Entries = [];
    }

    private sealed class PlanBox
    {
        public readonly List<(TranslatedService? Previous, List<ServiceUpdate> Updates)> Entries = [];
    }

    /// <summary>The set a delta was applied to, and the delta.</summary>
    private sealed record Lineage(EndpointSetView Before, EndpointSetChange Change);

    /// <summary>The translation a patched one was made from, and the keys that may differ between them.</summary>
    private sealed record Patched(TranslatedService From, ImmutableArray<string> ChangedKeys);

    private static readonly ConditionalWeakTable<EndpointSetView, Box> Translations = new();
    private static readonly ConditionalWeakTable<TranslatedService, PlanBox> Plans = new();
    private static readonly ConditionalWeakTable<EndpointSetView, Lineage> Lineages = new();
    private static readonly ConditionalWeakTable<TranslatedService, Patched> Patches = new();
    private const int MaxEntries = 8;

    /// <summary>Records that <paramref name="after"/> is <paramref name="change"/> applied to <paramref name="before"/>.</summary>
    public static void Derived(EndpointSetView after, EndpointSetView before, EndpointSetChange change) =>
        Lineages.AddOrUpdate(after, new Lineage(before, change));

    public static TranslatedService Translate(ServiceAuthority authority, ServiceView? service, EndpointSetView endpoints, Versioned<ProfileView> profile,
        Versioned<ProfileView>? consumer = null)
    {
        var box = Translations.GetOrCreateValue(endpoints);
        lock (box)
        {
            foreach (var e in box.Entries)
                if (Same(e, authority, service, profile, consumer)) return e.Result;
        }
        TranslatedService? result = null;
        var collided = false;
        if (service is not null && Lineages.TryGetValue(endpoints, out var lineage) && Translations.TryGetValue(lineage.Before, out var before))
        {
            TranslatedService? from = null;
            lock (before)
            {
                foreach (var e in before.Entries)
                    if (!e.Collided && Same(e, authority, service, profile, consumer)) from = e.Result;
            }
            if (from is not null
                && DiscoveryTranslator.Patch(authority, service, profile, from, lineage.Before, lineage.Change, out var changedKeys) is { } patched)
            {
                Patches.AddOrUpdate(patched, new Patched(from, changedKeys));
                result = patched;
            }
        }
        result ??= DiscoveryTranslator.Translate(authority, service, endpoints, profile, consumer, out collided);
        lock (box)
        {
            if (box.Entries.Count >= MaxEntries) box.Entries.RemoveAt(0);
            box.Entries.Add((authority, service, profile, consumer, result, collided));
        }
        return result;
    }

    private static bool Same((ServiceAuthority Authority, ServiceView? Service, Versioned<ProfileView> Profile, Versioned<ProfileView>? Consumer, TranslatedService, bool) e,
        ServiceAuthority authority, ServiceView? service, Versioned<ProfileView> profile, Versioned<ProfileView>? consumer) =>
        e.Authority == authority && ReferenceEquals(e.Service, service) && ReferenceEquals(e.Profile, profile) && ReferenceEquals(e.Consumer, consumer);

    /// <summary>The updates from <paramref name="previous"/> to <paramref name="next"/> (not resync), shared; callers must
    /// clone a message before stamping their own version on it.</summary>
    public static List<ServiceUpdate> Plan(ServiceAuthority authority, TranslatedService? previous, TranslatedService next)
    {
        var box = Plans.GetOrCreateValue(next);
        lock (box)
        {
            foreach (var e in box.Entries)
                if (ReferenceEquals(e.Previous, previous)) return e.Updates;
        }
        var updates = previous is not null && Patches.TryGetValue(next, out var patched) && ReferenceEquals(patched.From, previous)
            ? ServiceUpdatePlanner.PlanChanged(previous, next, patched.ChangedKeys)
            : null;
        updates ??= ServiceUpdatePlanner.Plan(authority, previous, next, resync: false);
        lock (box)
        {
            if (box.Entries.Count >= MaxEntries) box.Entries.RemoveAt(0);
            box.Entries.Add((previous, updates));
        }
        return updates;
    }
}
