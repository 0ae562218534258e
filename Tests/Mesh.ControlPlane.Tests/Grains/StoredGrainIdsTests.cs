using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.ControlPlane.Tests.Storage;
using Mesh.Grains.Views;
using Orleans.Metadata;
using Orleans.Storage;

namespace Mesh.ControlPlane.Tests.Grains;

/// <summary>The ids grain state is stored under survive renames of the grain classes: a silo upgraded over an existing
/// SQLite state file finds every grain's state, and the ids other silos of a cluster send are the ones it knows.</summary>
public sealed class StoredGrainIdsTests : IAsyncLifetime
{
    private SqliteCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await SqliteCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IGrainStorage Storage => _cluster.SiloServices.GetRequiredKeyedService<IGrainStorage>(MeshNames.StateStore);

    [Fact]
    public async Task ProfileGrain_StateStoredByThePolicyGrain_ReadAfterRestartAndWrittenInPlace()
    {
        var key = MeshNames.Key("shop", "books");
        // The row a silo of the previous release left: grain type "policy" (Orleans' name for class PolicyGrain),
        // state "state", store MeshNames.StateStore — the ids seen in its state.db.
        var stored = new GrainId(GrainType.Create("policy"), IdSpan.Create(key));
        var written = new GrainState<ViewState<ProfileView>>(new ViewState<ProfileView>
        {
            Version = 3,
            Value = ProfileView.Default("shop", "books") with { OpaquePorts = [3306] },
        });
        await Storage.WriteStateAsync("state", stored, written);

        await _cluster.RestartAsync();

        var grain = _cluster.Grains.GetGrain<IProfileGrain>(key);
        var read = await grain.GetAsync();
        Assert.Equal(3, read.Version);
        Assert.Equal(new[] { 3306 }, read.Value.OpaquePorts.ToArray());

        // A change continues that row (same ETag chain), not a second one beside it.
        Assert.Equal(4, await grain.SetAsync(ProfileView.Default("shop", "books") with { OpaquePorts = [5432] }));
        await _cluster.RestartAsync();
        var row = new GrainState<ViewState<ProfileView>>();
        await Storage.ReadStateAsync("state", stored, row);
        Assert.Equal(4, row.State!.Version);
        Assert.Equal(new[] { 5432 }, row.State.Value!.OpaquePorts.ToArray());
        Assert.Equal(4, (await _cluster.Grains.GetGrain<IProfileGrain>(key).GetAsync()).Version);
    }

    /// <summary>Grain type of every grain that persists state: the first part of its stored id (SQLite
    /// <c>grain_state.grain_id</c>, the Redis key). Renaming a class changes Orleans' default; keep the old one with
    /// <c>[GrainType]</c> as <see cref="ProfileGrain"/> does.</summary>
    [Theory]
    [InlineData(typeof(IServiceGrain), "service")]
    [InlineData(typeof(IEndpointSetGrain), "endpointset")]
    [InlineData(typeof(IProfileGrain), "policy")]
    [InlineData(typeof(IInboundPoliciesGrain), "inboundpolicies")]
    [InlineData(typeof(IAddressesGrain), "addresses")]
    [InlineData(typeof(ICatalogGrain), "catalog")]
    [InlineData(typeof(INamespaceDirectoryGrain), "namespacedirectory")]
    [InlineData(typeof(IIdentityGrain), "identity")]
    [InlineData(typeof(IIdentityDirectoryGrain), "identitydirectory")]
    [InlineData(typeof(IStateIncarnationGrain), "stateincarnation")]
    [InlineData(typeof(IExportDirectoryGrain), "exportdirectory")]
    public void GrainType_PersistedGrain_KeepsTheTypeItsStateIsStoredUnder(Type grainInterface, string storedType) =>
        Assert.Equal(storedType, _cluster.Grains.GetGrain(grainInterface, "ns/name").GetGrainId().Type.ToString());

    /// <summary>The interface ids a call between two silos of one cluster names (the <c>[Alias]</c>): a silo of the
    /// previous release calls this one's profile grains as "mesh.IPolicyGrain".</summary>
    [Fact]
    public void GrainInterfaceType_ProfileGrain_KeepsThePolicyGrainAlias()
    {
        var resolver = _cluster.SiloServices.GetRequiredService<GrainInterfaceTypeResolver>();
        Assert.Equal("mesh.IPolicyGrain", resolver.GetGrainInterfaceType(typeof(IProfileGrain)).ToString());
    }
}
