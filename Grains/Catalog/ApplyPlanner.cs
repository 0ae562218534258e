using System.Collections.Immutable;
using Mesh.Abstractions.Grains;

namespace Mesh.Grains.Catalog;

/// <summary>Decides what an apply does to a namespace's resources: created (new), configured (JSON differs; generation
/// +1) or unchanged. Pure, shared by the catalog grain and the admin API's dry run.</summary>
public static class ApplyPlanner
{
    public sealed record Plan(ImmutableDictionary<string, StoredResource> Resources, ImmutableArray<ApplyOutcome> Outcomes)
    {
        public bool Changed => Outcomes.Any(o => o.Action != ApplyAction.Unchanged);
    }

    /// <param name="current">Stored resources by "Kind/name".</param>
    /// <param name="incoming">Resources to apply; their Generation is ignored. A later duplicate wins.</param>
    public static Plan Compute(ImmutableDictionary<string, StoredResource> current, IEnumerable<StoredResource> incoming)
    {
        var next = current.ToBuilder();
        var outcomes = ImmutableArray.CreateBuilder<ApplyOutcome>();
        foreach (var r in incoming)
        {
            var key = Key(r.Kind, r.Name);
            ApplyAction action;
            if (!current.TryGetValue(key, out var old))
            {
                next[key] = r with { Generation = 1 };
                action = ApplyAction.Created;
            }
            else if (old.Json == r.Json)
            {
                next[key] = old;
                action = ApplyAction.Unchanged;
            }
            else
            {
                next[key] = r with { Generation = old.Generation + 1 };
                action = ApplyAction.Configured;
            }
            outcomes.Add(new ApplyOutcome(r.Kind, r.Namespace, r.Name, action));
        }
        return new Plan(next.ToImmutable(), outcomes.ToImmutable());
    }

    public static string Key(string kind, string name) => CatalogState.Key(kind, name);
}
