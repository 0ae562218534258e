using System.Collections.Immutable;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.ControlPlane.Tests.Storage;
using Orleans.Storage;
using static Mesh.ControlPlane.Tests.Catalog.CatalogResources;

namespace Mesh.ControlPlane.Tests.Catalog;

/// <summary>Resource sources in the durable catalog state (SQLite, as the local silo stores it), across silo restarts.</summary>
public sealed class CatalogSourceStorageTests : IAsyncLifetime
{
    private SqliteCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await SqliteCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IGrainStorage Storage => _cluster.SiloServices.GetRequiredKeyedService<IGrainStorage>(MeshNames.StateStore);

    [Fact]
    public async Task ListAsync_StateStoredWithoutSources_LoadsAsApplyAfterRestart()
    {
        // The row a silo of the previous release left for namespace "shop": resources without a source field.
        var books = Service("shop", "books");
        var stored = new GrainId(GrainType.Create("catalog"), IdSpan.Create("shop"));
        await Storage.WriteStateAsync("state", stored, new GrainState<PreSourceCatalogState>(new PreSourceCatalogState
        {
            Resources = new Dictionary<string, PreSourceStoredResource>
            {
                ["Service/books"] = new(books.Kind, books.Namespace, books.Name, books.Json, 3),
            }.ToImmutableDictionary(),
            DerivedServices = ["books"],
        }));

        await _cluster.RestartAsync();

        var catalog = _cluster.Grains.GetGrain<ICatalogGrain>("shop");
        var read = Assert.Single(await catalog.ListAsync(null));
        Assert.Equal((ResourceSources.Apply, 3L, books.Json), (read.Source, read.Generation, read.Json));
        // Owned by apply: kubernetes may not take it over, apply may change it.
        var taken = await catalog.WriteAsync(Batch(ResourceSources.Kubernetes, 1, [Service("shop", "books", 9090)]));
        Assert.Equal((CatalogWriteStatus.Conflict, ResourceSources.Apply), (taken.Status, taken.Owner));
        var changed = await catalog.WriteAsync(Batch(ResourceSources.Apply, 0, [Service("shop", "books", 9090)]));
        Assert.Equal(ApplyAction.Configured, Assert.Single(changed.Outcomes).Action);
        Assert.Equal(4, (await catalog.GetAsync("Service", "books"))!.Generation);
    }

    [Fact]
    public async Task WriteAsync_SourcesAndEpochs_SurviveARestart()
    {
        var catalog = _cluster.Grains.GetGrain<ICatalogGrain>("shop");
        Assert.True((await catalog.WriteAsync(Batch(ResourceSources.Kubernetes, 7, [Service("shop", "books")]))).Ok);
        Assert.True((await catalog.WriteAsync(Batch(ResourceSources.Apply, 0, [Service("shop", "local")]))).Ok);

        await _cluster.RestartAsync();

        catalog = _cluster.Grains.GetGrain<ICatalogGrain>("shop");
        Assert.Equal(["Service/books@kubernetes", "Service/local@apply"], CatalogResources.Names(await catalog.ListAsync(null)).ToArray());
        var apply = await catalog.WriteAsync(Batch(ResourceSources.Apply, 0, [], Key("Service", "books")));
        Assert.Equal((CatalogWriteStatus.Conflict, ResourceSources.Kubernetes), (apply.Status, apply.Owner));
        Assert.Equal(CatalogWriteStatus.Repeated, (await catalog.WriteAsync(Batch(ResourceSources.Kubernetes, 7, []))).Status);
        Assert.Equal(CatalogWriteStatus.StaleEpoch, (await catalog.WriteAsync(Batch(ResourceSources.Kubernetes, 6, []))).Status);
    }
}
