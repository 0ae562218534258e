using System.Collections.Concurrent;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.ControlPlane.Tests.Support;
using Mesh.Grains.Views;
using Orleans.Streams;

namespace Mesh.ControlPlane.Tests.Grains;

public sealed class ViewGrainTests(ViewGrainClusterFixture fixture) : IClassFixture<ViewGrainClusterFixture>
{
    private static string NewKey() => MeshNames.Key("default", "svc-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task Get_NeverSet_ReturnsVersionZeroAndInitialValue()
    {
        var key = NewKey();
        var endpoints = await fixture.Cluster.Client.GetGrain<IEndpointSetGrain>(key).GetAsync();
        var service = await fixture.Cluster.Client.GetGrain<IServiceGrain>(key).GetAsync();
        var (ns, name) = MeshNames.SplitKey(key);
        var inbound = await fixture.Cluster.Client.GetGrain<IInboundPoliciesGrain>(MeshNames.InboundPartition(ns, name)).GetAsync(name);

        Assert.Equal(0, endpoints.Version);
        Assert.Empty(endpoints.Value.Endpoints);
        Assert.Null(service.Value);
        Assert.False(inbound.Value.Exists);
    }

    [Fact]
    public async Task Set_ChangedValues_IncrementVersionAndPublishEach()
    {
        var key = NewKey();
        var (_, name) = MeshNames.SplitKey(key);
        var received = await SubscribeItemsAsync<EndpointSetChange>(MeshStreams.EndpointSets, key);
        var grain = fixture.Cluster.Client.GetGrain<IEndpointSetGrain>(key);

        Assert.Equal(1, await grain.SetAsync(Views.Endpoints(name, Views.Workload("a", "127.0.0.11"))));
        Assert.Equal(2, await grain.SetAsync(Views.Endpoints(name, Views.Workload("a", "127.0.0.11"), Views.Workload("b", "127.0.0.12"))));
        Assert.Equal(3, await grain.SetAsync(Views.Endpoints(name, Views.Workload("b", "127.0.0.12"))));

        await WaitUntil(() => received.Count >= 3);
        Assert.Equal([1L, 2L, 3L], received.Select(r => r.Version).Order());
        // Deltas, not the whole set: version 2 carries only b, version 3 only a's removal.
        var second = received.Single(r => r.Version == 2);
        Assert.Null(second.Snapshot);
        Assert.Equal(["b"], second.Upserts.Select(e => e.Workload));
        Assert.Empty(second.Removals);
        var third = received.Single(r => r.Version == 3);
        Assert.Equal((0, new EndpointKey("a", "127.0.0.11")), (third.Upserts.Length, Assert.Single(third.Removals)));
    }

    [Fact]
    public async Task Set_ManyChangesThenDeactivation_ReplaysSnapshotAndLog()
    {
        var key = NewKey();
        var (_, name) = MeshNames.SplitKey(key);
        var grain = fixture.Cluster.Client.GetGrain<IEndpointSetGrain>(key);
        // More changes than the log holds before a compaction, and an odd tail the log still holds after it.
        var count = EndpointSetGrain.CompactAfter + 5;
        for (var i = 1; i <= count; i++)
            Assert.Equal(i, await grain.SetAsync(Views.Endpoints(name, [.. Enumerable.Range(0, i).Select(n => Views.Workload($"w{n:D3}", $"127.0.1.{n}"))])));

        var management = fixture.Cluster.Client.GetGrain<IManagementGrain>(0);
        await management.ForceActivationCollection(TimeSpan.Zero);
        await WaitUntil(async () => (await management.GetSimpleGrainStatistics()).All(s => !s.GrainType.Contains("EndpointSetGrain")));

        var again = await grain.GetAsync();
        Assert.Equal(count, again.Version);
        Assert.Equal(Enumerable.Range(0, count).Select(n => $"w{n:D3}"), again.Value.Endpoints.Select(e => e.Workload));
    }

    [Fact]
    public async Task Set_EqualValueBuiltSeparately_DoesNotChangeVersionOrPublish()
    {
        var key = NewKey();
        var (_, name) = MeshNames.SplitKey(key);
        var received = await SubscribeAsync<ServiceView?>(MeshStreams.Services, key);
        var grain = fixture.Cluster.Client.GetGrain<IServiceGrain>(key);

        Assert.Equal(1, await grain.SetAsync(Views.Service(name)));
        Assert.Equal(1, await grain.SetAsync(Views.Service(name))); // equal content, different ImmutableArray instances
        Assert.Equal(2, await grain.SetAsync(Views.Service(name, port: 9090)));

        await WaitUntil(() => received.Count >= 2);
        // A marker change proves the stream is flowing: had the no-op published, its item would sit before this one.
        Assert.Equal(3, await grain.SetAsync(null));
        await WaitUntil(() => received.Count >= 3);
        Assert.Equal([1L, 2L, 3L], received.Select(r => r.Version).Order());
    }

    [Fact]
    public async Task Set_AfterDeactivation_StatePersists()
    {
        var key = NewKey();
        var (_, name) = MeshNames.SplitKey(key);
        var grain = fixture.Cluster.Client.GetGrain<IProfileGrain>(key);
        var profile = ProfileView.Default("default", name) with { OpaquePorts = [3306] };
        Assert.Equal(1, await grain.SetAsync(profile));

        var management = fixture.Cluster.Client.GetGrain<IManagementGrain>(0);
        await management.ForceActivationCollection(TimeSpan.Zero);
        await WaitUntil(async () => (await management.GetSimpleGrainStatistics()).All(s => !s.GrainType.Contains("ProfileGrain")));

        var again = await grain.GetAsync();
        Assert.Equal(1, again.Version);
        Assert.Equal(new[] { 3306 }, again.Value.OpaquePorts.ToArray());
        Assert.Equal(1, await grain.SetAsync(ProfileView.Default("default", name) with { OpaquePorts = [3306] }));
    }

    [Fact]
    public async Task Get_AfterDeactivation_DictionariesInsideStateSurvive()
    {
        var key = NewKey();
        var (_, name) = MeshNames.SplitKey(key);
        var grain = fixture.Cluster.Client.GetGrain<IEndpointSetGrain>(key);
        Assert.Equal(1, await grain.SetAsync(Views.Endpoints(name, Views.Workload("a", "127.0.0.11"))));

        var management = fixture.Cluster.Client.GetGrain<IManagementGrain>(0);
        await management.ForceActivationCollection(TimeSpan.Zero);
        await WaitUntil(async () => (await management.GetSimpleGrainStatistics()).All(s => !s.GrainType.Contains("EndpointSetGrain")));

        var again = await grain.GetAsync();
        Assert.Equal(1, again.Version);
        Assert.Equal(7001, again.Value.Endpoints.Single().Ports["http"]);
    }

    private async Task<ConcurrentBag<Versioned<T>>> SubscribeAsync<T>(string streamNamespace, string key)
    {
        var bag = new ConcurrentBag<Versioned<T>>();
        var stream = fixture.Cluster.Client.GetStreamProvider(MeshNames.StreamProvider)
            .GetStream<Versioned<T>>(StreamId.Create(streamNamespace, key));
        await stream.SubscribeAsync((item, _) => { bag.Add(item); return Task.CompletedTask; });
        return bag;
    }

    private async Task<ConcurrentBag<T>> SubscribeItemsAsync<T>(string streamNamespace, string key)
    {
        var bag = new ConcurrentBag<T>();
        var stream = fixture.Cluster.Client.GetStreamProvider(MeshNames.StreamProvider).GetStream<T>(StreamId.Create(streamNamespace, key));
        await stream.SubscribeAsync((item, _) => { bag.Add(item); return Task.CompletedTask; });
        return bag;
    }

    private static Task WaitUntil(Func<bool> condition) => WaitUntil(() => Task.FromResult(condition()));

    private static async Task WaitUntil(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met within 10 s");
            await Task.Delay(20);
        }
    }
}
