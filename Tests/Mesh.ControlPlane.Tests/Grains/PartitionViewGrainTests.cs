using System.Collections.Immutable;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.ControlPlane.Tests.Storage;
using Mesh.ControlPlane.Tests.Support;
using Mesh.Grains.Views;

namespace Mesh.ControlPlane.Tests.Grains;

/// <summary>Partition grains (<see cref="IInboundPoliciesGrain"/>, <see cref="IAddressesGrain"/>): many views in one
/// activation, each with its own version, durable across restarts on SQLite.</summary>
public sealed class PartitionViewGrainTests : IAsyncLifetime
{
    private SqliteCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await SqliteCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    /// <summary>Distinct workload names that land in the same inbound partition of <paramref name="ns"/>.</summary>
    internal static string[] SamePartition(string ns, int count, string prefix = "w")
    {
        var first = $"{prefix}-0";
        var partition = MeshNames.InboundPartition(ns, first);
        return [first, .. Enumerable.Range(1, 10_000).Select(i => $"{prefix}-{i}")
            .Where(n => MeshNames.InboundPartition(ns, n) == partition).Take(count - 1)];
    }

    private static InboundPolicyView Policy(string ns, string workload, int port) =>
        InboundPolicyView.Missing(ns, workload, DefaultPolicyKind.Deny) with
        {
            Exists = true,
            Servers = [new InboundServerView($"{ns}/web", port, "HTTP/1", [], null)],
        };

    [Fact]
    public void Partition_StableAndSpread()
    {
        // FNV-1a: the same key maps to the same partition in every process and release (stored state is found by it).
        Assert.Equal("shop/#31", MeshNames.InboundPartition("shop", "books-1"));
        Assert.Equal("addr/#3", MeshNames.AddressPartition(MeshNames.AddressKey("10.0.0.1", 8080)));
        var partitions = Enumerable.Range(0, 2000).Select(i => MeshNames.InboundPartition("shop", $"books-{i}")).Distinct().Count();
        Assert.Equal(MeshNames.ViewPartitions, partitions);
    }

    [Fact]
    public async Task Set_EachViewKeepsItsOwnVersion_EqualValuesAreNoChange()
    {
        var (a, b) = SamePartition("shop", 2) is [var x, var y] ? (x, y) : throw new InvalidOperationException();
        var grain = _cluster.Grains.GetGrain<IInboundPoliciesGrain>(MeshNames.InboundPartition("shop", a));

        Assert.Equal(0, (await grain.GetAsync(a)).Version);
        Assert.False((await grain.GetAsync(a)).Value.Exists);
        Assert.Equal("shop", (await grain.GetAsync(a)).Value.Namespace);

        await grain.SetAsync([Policy("shop", a, 7001), Policy("shop", b, 7001)]);
        await grain.SetAsync([Policy("shop", a, 7002), Policy("shop", b, 7001)]); // b unchanged
        await grain.SetAsync([Policy("shop", a, 7002)]); // unchanged

        var readA = await grain.GetAsync(a);
        var readB = await grain.GetAsync(b);
        Assert.Equal(2, readA.Version);
        Assert.Equal(7002, Assert.Single(readA.Value.Servers).Port);
        Assert.Equal(1, readB.Version);
        Assert.Equal(7001, Assert.Single(readB.Value.Servers).Port);
    }

    [Fact]
    public async Task Set_ViewOfAnotherPartition_RefusedAndNothingWritten()
    {
        var ns = "shop";
        var own = SamePartition(ns, 1)[0];
        var partition = MeshNames.InboundPartition(ns, own);
        var stranger = Enumerable.Range(0, 1000).Select(i => $"x-{i}").First(n => MeshNames.InboundPartition(ns, n) != partition);
        var grain = _cluster.Grains.GetGrain<IInboundPoliciesGrain>(partition);

        await Assert.ThrowsAsync<ArgumentException>(() => grain.SetAsync([Policy(ns, own, 7001), Policy(ns, stranger, 7001)]));
        await Assert.ThrowsAsync<ArgumentException>(() => grain.SetAsync([Policy("other", own, 7001)]));
        Assert.Equal(0, (await grain.GetAsync(own)).Version);

        var addresses = _cluster.Grains.GetGrain<IAddressesGrain>("addr/#0");
        var foreign = Enumerable.Range(1, 1000).Select(i => MeshNames.AddressKey($"10.0.0.{i % 250}", 8000 + i))
            .First(k => MeshNames.AddressPartition(k) != "addr/#0");
        await Assert.ThrowsAsync<ArgumentException>(() => addresses.GetAsync(foreign));
        await Assert.ThrowsAsync<ArgumentException>(() => addresses.ClaimAsync(ns, [new AddressClaim(foreign, false, Views.Workload("a", "10.0.0.1"), null)]));
    }

    [Fact]
    public async Task Claim_TwoNamespacesOneAddress_EachOwnsItsEntry()
    {
        var key = MeshNames.AddressKey("10.1.2.3", 7001);
        var grain = _cluster.Grains.GetGrain<IAddressesGrain>(MeshNames.AddressPartition(key));
        Assert.Equal(("10.1.2.3", 7001, 0L), ((await grain.GetAsync(key)).Value.Address, (await grain.GetAsync(key)).Value.Port, (await grain.GetAsync(key)).Version));

        await grain.ClaimAsync("b", [new AddressClaim(key, false, Views.Workload("web", "10.1.2.3"), null)]);
        await grain.ClaimAsync("a", [new AddressClaim(key, false, Views.Workload("api", "10.1.2.3"), null), new AddressClaim(key, true, null, "front")]);
        var both = await grain.GetAsync(key);
        Assert.Equal(2, both.Version); // one write of "a" is one version, even with two claims on the address
        Assert.Equal("a", both.Value.Winner!.Value.Namespace);
        Assert.Equal("front", both.Value.Services["a"]);

        await grain.ClaimAsync("a", [new AddressClaim(key, false, null, null), new AddressClaim(key, true, null, null)]);
        var left = await grain.GetAsync(key);
        Assert.Equal(3, left.Version);
        Assert.Equal("b", left.Value.Winner!.Value.Namespace);
        Assert.Empty(left.Value.Services);
    }

    [Fact]
    public async Task Restart_DurableStorage_KeepsEveryViewAndVersion_LogAndSnapshot()
    {
        var names = SamePartition("shop", 3);
        var partition = MeshNames.InboundPartition("shop", names[0]);
        var grain = _cluster.Grains.GetGrain<IInboundPoliciesGrain>(partition);
        // Enough writes that the log is folded into a snapshot at least once (by size), and some stay logged.
        var writes = PartitionViewGrain<InboundPolicyView>.MaxLogWeight / 2 + 5;
        for (var i = 0; i < writes; i++) await grain.SetAsync([Policy("shop", names[i % 3], 7000 + i)]);

        await _cluster.RestartAsync();

        grain = _cluster.Grains.GetGrain<IInboundPoliciesGrain>(partition);
        for (var n = 0; n < 3; n++)
        {
            var read = await grain.GetAsync(names[n]);
            var last = Enumerable.Range(0, writes).Last(i => i % 3 == n);
            Assert.Equal(Enumerable.Range(0, writes).Count(i => i % 3 == n), read.Version);
            Assert.Equal(7000 + last, Assert.Single(read.Value.Servers).Port);
        }

        // Writing on continues each view's versions.
        await grain.SetAsync([Policy("shop", names[0], 9999)]);
        await _cluster.RestartAsync();
        var again = await _cluster.Grains.GetGrain<IInboundPoliciesGrain>(partition).GetAsync(names[0]);
        Assert.Equal(Enumerable.Range(0, writes).Count(i => i % 3 == 0) + 1, again.Version);
        Assert.Equal(9999, Assert.Single(again.Value.Servers).Port);
    }

    [Fact]
    public void Replay_GapInLog_RefusedWithThePartitionNamed()
    {
        var snapshot = new PartitionState<InboundPolicyView> { Sequence = 3 };
        KeyedView<InboundPolicyView> V(string k, long v) => new(k, v, Policy("shop", k, 7001));
        var entries = new[]
        {
            new ViewPartitionChange<InboundPolicyView>(3, [V("a", 1)]), // already in the snapshot: skipped
            new ViewPartitionChange<InboundPolicyView>(4, [V("a", 2)]),
            new ViewPartitionChange<InboundPolicyView>(6, [V("b", 1)]),
        };
        var e = Assert.Throws<InvalidOperationException>(() => PartitionViewGrain<InboundPolicyView>.Replay("shop/#1", snapshot, entries));
        Assert.Contains("shop/#1", e.Message);

        var ok = PartitionViewGrain<InboundPolicyView>.Replay("shop/#1", snapshot, entries[..2]);
        Assert.Equal(4, ok.Sequence);
        Assert.Equal(2, ok.Views["a"].Version);
        Assert.False(ok.Views.ContainsKey("b"));
    }

    /// <summary>An upgrade from the release that held each workload's inbound policy and address in grains of their own
    /// (or a view write lost in a crash): the partition grains are empty after the restart, and the catalog's push on
    /// activation fills them, with nothing written to the catalog.</summary>
    [Fact]
    public async Task CatalogActivation_PartitionStateLost_ViewsPushedAgain()
    {
        var catalog = _cluster.Grains.GetGrain<ICatalogGrain>("shop");
        Assert.True((await catalog.WriteAsync(Catalog.CatalogResources.Batch(ResourceSources.Apply, 0,
            [Catalog.CatalogResources.Service("shop", "books"), Catalog.CatalogResources.Workload("shop", "w1", "books", "10.9.0.1")]))).Ok);
        var partition = MeshNames.InboundPartition("shop", "w1");
        var address = MeshNames.AddressKey("10.9.0.1", 7001);
        Assert.True((await _cluster.Grains.GetGrain<IInboundPoliciesGrain>(partition).GetAsync("w1")).Value.Exists);
        var claimed = await _cluster.Grains.GetGrain<IAddressesGrain>(MeshNames.AddressPartition(address)).GetAsync(address);
        Assert.Equal("w1", claimed.Value.Winner?.Endpoint.Workload);

        var storage = _cluster.SiloServices.GetRequiredKeyedService<Orleans.Storage.IGrainStorage>(MeshNames.StateStore);
        async Task ClearAsync<TSnapshot, TEntry>(string type, string key)
        {
            var id = new GrainId(GrainType.Create(type), IdSpan.Create(key));
            var snapshot = new GrainState<TSnapshot>();
            await storage.ReadStateAsync("state", id, snapshot);
            if (snapshot.RecordExists) await storage.ClearStateAsync("state", id, snapshot);
            var log = new GrainState<Mesh.Grains.State.DeltaLog<TEntry>>();
            await storage.ReadStateAsync("log", id, log);
            Assert.True(snapshot.RecordExists || log.RecordExists);
            if (log.RecordExists) await storage.ClearStateAsync("log", id, log);
        }
        await ClearAsync<PartitionState<InboundPolicyView>, ViewPartitionChange<InboundPolicyView>>("inboundpolicies", partition);
        await ClearAsync<PartitionState<AddressView>, ViewPartitionChange<AddressView>>("addresses", MeshNames.AddressPartition(address));
        await _cluster.RestartAsync();

        await _cluster.Grains.GetGrain<ICatalogGrain>("shop").ListAsync(null); // activates it, as the silo's start does
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await _cluster.Grains.GetGrain<IInboundPoliciesGrain>(partition).GetAsync("w1")).Value.Exists
               || (await _cluster.Grains.GetGrain<IAddressesGrain>(MeshNames.AddressPartition(address)).GetAsync(address)).Value.Winner is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the catalog never pushed the inbound policy and address claim again");
            await Task.Delay(20);
        }
        claimed = await _cluster.Grains.GetGrain<IAddressesGrain>(MeshNames.AddressPartition(address)).GetAsync(address);
        Assert.Equal("w1", claimed.Value.Winner?.Endpoint.Workload);
    }
}
