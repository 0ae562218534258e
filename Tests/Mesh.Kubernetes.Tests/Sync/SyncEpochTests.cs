using System.Collections.Immutable;
using Mesh.Abstractions.Grains;
using Mesh.Grains.Catalog;
using Mesh.Silo.Kubernetes.Sync;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Kubernetes.Tests.Sync;

/// <summary>The fence: epochs rise within a term, every epoch of a newer term is above every epoch of an older one, and
/// the catalog's planner refuses an older term's write once the newer term wrote (CatalogBatch epochs are the fence).</summary>
public sealed class SyncEpochTests
{
    [Fact]
    public void Next_SameMillisecond_StillIncreases()
    {
        var epoch = new SyncEpoch(3, new FakeTimeProvider(DateTimeOffset.Parse("2026-06-01T00:00:00Z")));
        var a = epoch.Next();
        var b = epoch.Next();
        Assert.True(b > a);
        Assert.True(a >= epoch.Term);
    }

    [Fact]
    public void Next_OlderTermMuchLater_StaysBelowNewerTerm()
    {
        var newer = new SyncEpoch(4, new FakeTimeProvider(DateTimeOffset.Parse("2026-06-01T00:00:00Z")));
        var older = new SyncEpoch(3, new FakeTimeProvider(DateTimeOffset.Parse("2050-01-01T00:00:00Z")));
        Assert.True(older.Next() < newer.Next());
    }

    [Fact]
    public void Planner_DeposedLeadersLateWrite_IsRefusedAsStale()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-06-01T00:00:00Z"));
        var old = new SyncEpoch(0, time);
        var late = old.Next();
        var current = new SyncEpoch(1, time).Next();
        var (plan, answer) = CatalogWritePlanner.Compute("shop", ImmutableDictionary<string, StoredResource>.Empty, current,
            new CatalogBatch(ResourceSources.Kubernetes, late, [], [new ResourceKey("Workload", "p")]));
        Assert.Null(plan);
        Assert.Equal(CatalogWriteStatus.StaleEpoch, answer!.Status);
    }
}
