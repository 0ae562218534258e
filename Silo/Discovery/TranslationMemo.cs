using System.Runtime.CompilerServices;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.Api.V1;
using Mesh.Names;

namespace Mesh.Silo.Discovery;

/// <summary>Shares translation and diff work among the watchers of one service: every watcher of a feed receives the
/// same view instances, so results are memoized on those instances (weakly: they vanish with the views). With 1,000
/// watchers this turns 1,000 translations and diffs per change into one, and keeps one copy of the endpoints in memory.</summary>
internal static class TranslationMemo
{
    private sealed class Box
    {
        public readonly List<(ServiceAuthority Authority, ServiceView? Service, Versioned<ProfileView> Profile, Versioned<ProfileView>? Consumer, TranslatedService Result)> Entries = [];
    }

    private sealed class PlanBox
    {
        public readonly List<(TranslatedService? Previous, List<ServiceUpdate> Updates)> Entries = [];
    }

    private static readonly ConditionalWeakTable<EndpointSetView, Box> Translations = new();
    private static readonly ConditionalWeakTable<TranslatedService, PlanBox> Plans = new();
    private const int MaxEntries = 8;

    public static TranslatedService Translate(ServiceAuthority authority, ServiceView? service, EndpointSetView endpoints, Versioned<ProfileView> profile,
        Versioned<ProfileView>? consumer = null)
    {
        var box = Translations.GetOrCreateValue(endpoints);
        lock (box)
        {
            foreach (var e in box.Entries)
                if (e.Authority == authority && ReferenceEquals(e.Service, service) && ReferenceEquals(e.Profile, profile) && ReferenceEquals(e.Consumer, consumer))
                    return e.Result;
        }
        var result = DiscoveryTranslator.Translate(authority, service, endpoints, profile, consumer);
        lock (box)
        {
            if (box.Entries.Count >= MaxEntries) box.Entries.RemoveAt(0);
            box.Entries.Add((authority, service, profile, consumer, result));
        }
        return result;
    }

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
        var updates = ServiceUpdatePlanner.Plan(authority, previous, next, resync: false);
        lock (box)
        {
            if (box.Entries.Count >= MaxEntries) box.Entries.RemoveAt(0);
            box.Entries.Add((previous, updates));
        }
        return updates;
    }
}
