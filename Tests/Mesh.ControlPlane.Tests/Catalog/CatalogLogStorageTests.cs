using System.Collections.Immutable;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.ControlPlane.Tests.Storage;
using Mesh.Grains.Catalog;
using Mesh.Grains.State;
using Orleans.Storage;
using static Mesh.ControlPlane.Tests.Catalog.CatalogResources;

namespace Mesh.ControlPlane.Tests.Catalog;

/// <summary>The catalog's durable form (a snapshot plus a log of changes, SQLite as the local silo stores it) across
/// silo restarts: what was written is what comes back, whether it was still in the log or folded into the snapshot,
/// and the views derived from it are the same.</summary>
public sealed class CatalogLogStorageTests : IAsyncLifetime
{
    private static readonly GrainId Shop = new(GrainType.Create("catalog"), IdSpan.Create("shop"));
    private SqliteCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await SqliteCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IGrainStorage Storage => _cluster.SiloServices.GetRequiredKeyedService<IGrainStorage>(MeshNames.StateStore);

    [Fact]
    public async Task WriteAsync_ManyChangesLoggedAndCompacted_SameResourcesAndViewsAfterRestart()
    {
        var catalog = _cluster.Grains.GetGrain<ICatalogGrain>("shop");
        Assert.True((await catalog.WriteAsync(Batch(ResourceSources.Apply, 0, [Service("shop", "books")]))).Ok);
        // One write per Workload (logged), some changed again and some deleted, then one large write (a snapshot).
        for (var i = 0; i < 90; i++)
            Assert.True((await catalog.WriteAsync(Batch(ResourceSources.Apply, 0, [Workload("shop", $"w{i:D3}", "books", $"10.7.0.{i + 1}")]))).Ok);
        for (var i = 0; i < 90; i += 3)
            Assert.True((await catalog.WriteAsync(Batch(ResourceSources.Apply, 0, [Workload("shop", $"w{i:D3}", "books", $"10.7.1.{i + 1}")]))).Ok);
        for (var i = 1; i < 90; i += 9)
            Assert.True((await catalog.WriteAsync(Batch(ResourceSources.Apply, 0, [], Key("Workload", $"w{i:D3}")))).Ok);
        Assert.True((await catalog.WriteAsync(Batch(ResourceSources.Apply, 0,
            Enumerable.Range(0, CatalogGrain.MaxLogWeight + 1).Select(i => Workload("shop", $"bulk{i:D4}", "other", $"10.8.{i / 250}.{i % 250 + 1}"))))).Ok);
        Assert.True((await catalog.WriteAsync(Batch(ResourceSources.Apply, 0, [Workload("shop", "w002", "books", "10.7.9.9")]))).Ok);
        var resources = await catalog.ListAsync(null);
        var endpoints = await _cluster.Grains.GetGrain<IEndpointSetGrain>(MeshNames.Key("shop", "books")).GetAsync();

        await _cluster.RestartAsync();

        catalog = _cluster.Grains.GetGrain<ICatalogGrain>("shop");
        var again = await catalog.ListAsync(null);
        Assert.Equal(resources.Select(r => (r.Kind, r.Name, r.Json, r.Generation)), again.Select(r => (r.Kind, r.Name, r.Json, r.Generation)));
        var endpointsAgain = await _cluster.Grains.GetGrain<IEndpointSetGrain>(MeshNames.Key("shop", "books")).GetAsync();
        Assert.Equal(endpoints.Version, endpointsAgain.Version);
        Assert.Equal(endpoints.Value.Endpoints.Select(e => (e.Workload, e.Address)), endpointsAgain.Value.Endpoints.Select(e => (e.Workload, e.Address)));
        Assert.Equal(80, endpointsAgain.Value.Endpoints.Length);
        // The catalog still knows what it derived: deleting a Workload after the restart withdraws its endpoint.
        Assert.True((await catalog.WriteAsync(Batch(ResourceSources.Apply, 0, [], Key("Workload", "w000")))).Ok);
        endpointsAgain = await _cluster.Grains.GetGrain<IEndpointSetGrain>(MeshNames.Key("shop", "books")).GetAsync();
        Assert.DoesNotContain(endpointsAgain.Value.Endpoints, e => e.Workload == "w000");
        Assert.Equal(79, endpointsAgain.Value.Endpoints.Length);
    }

    [Fact]
    public async Task ListAsync_LogHoldsChangesTheSnapshotHasAlready_SkipsThemAfterRestart()
    {
        // A crash after the snapshot was written and before the log was cleared: changes 1 and 2 are in the snapshot.
        var (a1, a2, b) = (Service("shop", "a", 1001), Service("shop", "a", 1002), Service("shop", "b"));
        await Storage.WriteStateAsync("state", Shop, new GrainState<CatalogState>(new CatalogState
        {
            Resources = ImmutableDictionary<string, StoredResource>.Empty.Add("Service/a", a2 with { Generation = 2 }),
            Sequence = 2,
        }));
        await Storage.WriteStateAsync("log", Shop, new GrainState<DeltaLog<CatalogChange>>(new DeltaLog<CatalogChange>
        {
            Entries = [Change(1, a1 with { Generation = 1 }), Change(2, a2 with { Generation = 2 }), Change(3, b with { Generation = 1 })],
        }));

        await _cluster.RestartAsync();

        var catalog = _cluster.Grains.GetGrain<ICatalogGrain>("shop");
        var listed = await catalog.ListAsync(null);
        Assert.Equal([("a", 2L), ("b", 1L)], listed.Select(r => (r.Name, r.Generation)));
        Assert.Equal(a2.Json, listed[0].Json);
    }

    [Fact]
    public async Task ListAsync_LogWithAGap_FailsNamingTheNamespaceRatherThanLosingAChange()
    {
        await Storage.WriteStateAsync("log", Shop, new GrainState<DeltaLog<CatalogChange>>(new DeltaLog<CatalogChange>
        {
            Entries = [Change(1, Service("shop", "a")), Change(3, Service("shop", "b"))],
        }));

        await _cluster.RestartAsync();

        var e = await Assert.ThrowsAnyAsync<Exception>(() => _cluster.Grains.GetGrain<ICatalogGrain>("shop").ListAsync(null));
        Assert.Contains("catalog shop: logged change 3 does not follow 1", e.ToString());
    }

    private static CatalogChange Change(long sequence, StoredResource upsert) =>
        new(sequence, [upsert], [], ImmutableDictionary<string, long>.Empty, null, null, null, null, null);
}
