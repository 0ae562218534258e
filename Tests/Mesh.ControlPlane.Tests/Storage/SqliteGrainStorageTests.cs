using System.Collections.Immutable;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.ControlPlane.Tests.Catalog;
using Mesh.Grains.Catalog;
using Orleans.Storage;

namespace Mesh.ControlPlane.Tests.Storage;

/// <summary>The local silo's SQLite grain storage in a real Orleans silo: what a grain wrote is there after the silo
/// is stopped and a new one starts on the same file; stale ETags are refused; a cleared state is gone.</summary>
public sealed class SqliteGrainStorageTests : IAsyncLifetime
{
    private SqliteCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await SqliteCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private static StoredResource Service(string name, int port) => new("Service", "shop", name,
        "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"shop\"},\"spec\":{\"selector\":{\"app\":\"" + name
        + "\"},\"ports\":[{\"name\":\"http\",\"port\":" + port + "}]}}", 0);

    private IGrainStorage Storage => _cluster.SiloServices.GetRequiredKeyedService<IGrainStorage>(MeshNames.StateStore);

    [Fact]
    public async Task Apply_SiloRestartedOnTheSameFile_CatalogReactivatesWithEverything()
    {
        var catalog = _cluster.Grains.GetGrain<ICatalogGrain>("shop");
        Assert.True((await catalog.WriteAsync(new CatalogBatch(ResourceSources.Apply, 0, [Service("books", 7001), Service("authors", 7002)], []))).Ok);
        Assert.True((await catalog.WriteAsync(new CatalogBatch(ResourceSources.Apply, 0, [Service("books", 8080)], []))).Ok);

        await _cluster.RestartAsync();

        var listed = await _cluster.Grains.GetGrain<ICatalogGrain>("shop").ListAsync("Service");
        Assert.Equal(new[] { "authors", "books" }, listed.Select(r => r.Name).ToArray());
        var books = listed.Single(r => r.Name == "books");
        Assert.Contains("8080", books.Json);
        Assert.Equal(2, books.Generation);
        Assert.Equal(new[] { "shop" }, (await _cluster.Grains.GetGrain<INamespaceDirectoryGrain>(NamespaceDirectoryGrain.Key).ListAsync()).ToArray());
        // The derived view was persisted too: discovery serves it without anyone re-applying.
        var view = await _cluster.Grains.GetGrain<IServiceGrain>(MeshNames.Key("shop", "books")).GetAsync();
        Assert.NotNull(view.Value);
    }

    [Fact]
    public async Task Write_ThenRead_RoundTripsStateAndETag()
    {
        var id = GrainId.Create("test", "roundtrip");
        var written = new GrainState<CatalogState>(new CatalogState { DerivedServices = ["books"] });
        await Storage.WriteStateAsync("state", id, written);
        Assert.NotNull(written.ETag);
        Assert.True(written.RecordExists);

        var read = new GrainState<CatalogState>();
        await Storage.ReadStateAsync("state", id, read);
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal(new[] { "books" }, read.State!.DerivedServices.ToArray());
    }

    [Fact]
    public async Task Write_StaleETag_InconsistentStateAndTheNewerWriteKept()
    {
        var id = GrainId.Create("test", "conflict");
        var first = new GrainState<CatalogState>(new CatalogState { DerivedServices = ["v1"] });
        await Storage.WriteStateAsync("state", id, first);
        var stale = new GrainState<CatalogState>(new CatalogState { DerivedServices = ["stale"] }) { ETag = first.ETag };
        first.State = new CatalogState { DerivedServices = ["v2"] };
        await Storage.WriteStateAsync("state", id, first);

        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("state", id, stale));
        // Inserting over an existing row (no ETag) is a conflict too: two activations that both saw "no record".
        await Assert.ThrowsAsync<InconsistentStateException>(() =>
            Storage.WriteStateAsync("state", id, new GrainState<CatalogState>(new CatalogState())));
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync("state", id, stale));

        var read = new GrainState<CatalogState>();
        await Storage.ReadStateAsync("state", id, read);
        Assert.Equal(new[] { "v2" }, read.State!.DerivedServices.ToArray());
    }

    [Fact]
    public async Task Clear_CurrentETag_RecordGoneAfterRestart()
    {
        var id = GrainId.Create("test", "clear");
        var state = new GrainState<CatalogState>(new CatalogState { DerivedServices = ["x"] });
        await Storage.WriteStateAsync("state", id, state);
        await Storage.ClearStateAsync("state", id, state);
        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);

        await _cluster.RestartAsync();
        var read = new GrainState<CatalogState>();
        await Storage.ReadStateAsync("state", id, read);
        Assert.False(read.RecordExists);
        Assert.Empty(read.State!.DerivedServices);
    }

    [Fact]
    public async Task Stores_SameGrainInStateAndPubSub_KeptApart()
    {
        var id = GrainId.Create("test", "apart");
        await Storage.WriteStateAsync("state", id, new GrainState<CatalogState>(new CatalogState { DerivedServices = ["state"] }));
        var pubsub = _cluster.SiloServices.GetRequiredKeyedService<IGrainStorage>(MeshNames.PubSubStore);
        var read = new GrainState<CatalogState>();
        await pubsub.ReadStateAsync("state", id, read);
        Assert.False(read.RecordExists);
    }

    [Fact]
    public async Task LeasedWorkload_NotRenewed_WithdrawnByTheCatalog_UnleasedOneStays()
    {
        var catalog = _cluster.Grains.GetGrain<ICatalogGrain>("default");
        Assert.True((await catalog.WriteAsync(new CatalogBatch(ResourceSources.Apply, 0, [WorkloadLeasesTests.Workload("crashed-run", "1"), WorkloadLeasesTests.Workload("from-yaml", null)], []))).Ok);
        var listed = await catalog.ListAsync("Workload");
        Assert.Contains("\"lease\"", listed.Single(r => r.Name == "crashed-run").Json);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await catalog.ListAsync("Workload")).Any(r => r.Name == "crashed-run"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the leased workload was never withdrawn");
            await Task.Delay(100);
        }
        Assert.Equal(new[] { "from-yaml" }, (await catalog.ListAsync("Workload")).Select(r => r.Name).ToArray());
        // Withdrawn through the write path: gone after a restart as well.
        await _cluster.RestartAsync();
        Assert.Equal(new[] { "from-yaml" }, (await _cluster.Grains.GetGrain<ICatalogGrain>("default").ListAsync("Workload")).Select(r => r.Name).ToArray());
    }
}
