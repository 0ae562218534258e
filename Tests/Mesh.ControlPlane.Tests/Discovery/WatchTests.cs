using System.Collections.Immutable;
using Grpc.Core;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.Api.V1;
using Mesh.ControlPlane.Tests.Support;
using Mesh.Silo.Discovery;

namespace Mesh.ControlPlane.Tests.Discovery;

[Collection(SiloCollection.Name)]
public sealed class WatchTests(SiloFixture silo)
{
    private Api.V1.Discovery.DiscoveryClient Client => new(silo.Control);
    private static string NewName() => "svc-" + Guid.NewGuid().ToString("N")[..8];

    private async Task PublishAsync(string name, params WorkloadEndpoint[] endpoints)
    {
        var key = MeshNames.Key("default", name);
        await silo.Grains.GetGrain<IServiceGrain>(key).SetAsync(Views.Service(name));
        await silo.Grains.GetGrain<IEndpointSetGrain>(key).SetAsync(Views.Endpoints(name, endpoints));
    }

    [Fact]
    public async Task Watch_KnownService_SnapshotThenDeltaWithIncreasingVersions()
    {
        var name = NewName();
        await PublishAsync(name, Views.Workload("a", "127.0.0.11"), Views.Workload("b", "127.0.0.12"));

        await using var watch = new WatchClient(Client, $"{name}.default.svc.cluster.local:8080");
        await watch.WaitUntil(w => w.Endpoints.Count == 2, "snapshot with 2 endpoints");
        var first = watch.Updates[0];
        Assert.Equal(ServiceUpdate.KindOneofCase.Snapshot, first.KindCase);
        Assert.True(first.Snapshot.Exists);
        Assert.Equal(["127.0.0.11:7001", "127.0.0.12:7001"], first.Snapshot.Endpoints.Select(e => e.Key).Order());
        Assert.All(first.Snapshot.Endpoints, e => Assert.Equal(ProtocolHint.H2, e.ProtocolHint));

        await PublishAsync(name, Views.Workload("a", "127.0.0.11"), Views.Workload("b", "127.0.0.12"), Views.Workload("c", "127.0.0.13"));
        await watch.WaitUntil(w => w.Endpoints.ContainsKey("127.0.0.13:7001"), "third endpoint");
        var delta = watch.Updates.Last();
        Assert.Equal(ServiceUpdate.KindOneofCase.Upserted, delta.KindCase);
        Assert.Equal(["127.0.0.13:7001"], delta.Upserted.Endpoints.Select(e => e.Key));
        Assert.Equal(watch.Updates.Select(u => u.Version).Order(), watch.Updates.Select(u => u.Version));
        Assert.Equal(watch.Updates.Count, watch.Updates.Select(u => u.Version).Distinct().Count());
    }

    [Fact]
    public async Task Watch_EndpointViewMoves_EveryUpdateCarriesTheViewVersionEvenWithoutAChangeForThisPort()
    {
        var name = NewName();
        var key = MeshNames.Key("default", name);
        await PublishAsync(name, Views.Workload("a", "127.0.0.11"));
        var metrics = silo.Host.Services.GetRequiredService<DiscoveryMetrics>();
        var before = metrics.ActiveSubscriptions;
        var watch = new WatchClient(Client, $"{name}.default.svc.cluster.local:8080");
        await watch.WaitUntil(w => w.Endpoints.Count == 1, "snapshot");
        var held = await silo.Grains.GetGrain<IEndpointSetGrain>(key).GetAsync();
        await watch.WaitUntil(w => w.Updates.Last().EndpointsVersion == held.Version, $"snapshot stamped with view version {held.Version}");

        // Another port of the workload: the view moves, nothing changes for port 8080 — an empty upsert carries the version.
        var twoPorts = new WorkloadEndpoint("a", "127.0.0.11", ImmutableDictionary<string, int>.Empty.Add("http", 7001).Add("admin", 9000),
            "spiffe://cluster.local/ns/default/sa/a", 4143, 4191, "zone-a", 1, true, ImmutableDictionary<string, string>.Empty.Add("app", "a"));
        var moved = await silo.Grains.GetGrain<IEndpointSetGrain>(key).SetAsync(Views.Endpoints(name, twoPorts));
        Assert.True(moved > held.Version);
        await watch.WaitUntil(w => w.Updates.Last().EndpointsVersion == moved, $"view version {moved} reaches the watch");
        var last = watch.Updates.Last();
        Assert.Equal(ServiceUpdate.KindOneofCase.Upserted, last.KindCase);
        Assert.Empty(last.Upserted.Endpoints);
        Assert.Single(watch.Endpoints);

        // Leave no subscription behind for the tests that count them (cleanup, not what this test checks).
        await watch.DisposeAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (metrics.ActiveSubscriptions > before && DateTime.UtcNow < deadline) await Task.Delay(20);
    }

    [Fact]
    public async Task Watch_UnknownThenCreated_SnapshotExistsFalseThenEndpoints()
    {
        var name = NewName();
        await using var watch = new WatchClient(Client, $"{name}:8080");
        await watch.WaitUntil(w => w.Updates.Count >= 1, "first message");
        Assert.Equal(ServiceUpdate.KindOneofCase.Snapshot, watch.Updates[0].KindCase);
        Assert.False(watch.Updates[0].Snapshot.Exists);
        Assert.Equal($"{name}.default.svc.cluster.local:8080", watch.Updates[0].Snapshot.Authority);

        await PublishAsync(name, Views.Workload("a", "127.0.0.11"));
        await watch.WaitUntil(w => w.Exists && w.Endpoints.ContainsKey("127.0.0.11:7001"), "created service endpoint");
    }

    [Fact]
    public async Task Watch_ServiceDeleted_SendsDeleted()
    {
        var name = NewName();
        await PublishAsync(name, Views.Workload("a", "127.0.0.11"));
        await using var watch = new WatchClient(Client, $"{name}.default:8080");
        await watch.WaitUntil(w => w.Exists, "existing service");

        await silo.Grains.GetGrain<IServiceGrain>(MeshNames.Key("default", name)).SetAsync(null);
        await watch.WaitUntil(w => w.Updates.Last().KindCase == ServiceUpdate.KindOneofCase.Deleted, "deleted");
    }

    [Theory]
    [InlineData("")]
    [InlineData("books.default.svc.cluster.local:http")]
    [InlineData("10.0.0.1:http")]
    [InlineData("Books_!:80")]
    public async Task Watch_UnparsableAuthority_InvalidArgument(string authority)
    {
        using var call = Client.Watch(new WatchRequest { Authority = authority });
        var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("authority", e.Status.Detail);
    }

    [Fact]
    public async Task Watch_SlowSubscriber_DroppedWhileFastOneKeepsReceiving()
    {
        var name = NewName();
        var key = MeshNames.Key("default", name);
        await PublishAsync(name, Views.Workload("a", "127.0.0.11"));
        var metrics = silo.Host.Services.GetRequiredService<DiscoveryMetrics>();
        var droppedBefore = metrics.WatchersDropped;

        await using var fast = new WatchClient(Client, $"{name}:8080");
        await fast.WaitUntil(w => w.Exists, "fast snapshot");
        // The slow watcher reads its snapshot, then stops reading: HTTP/2 flow control fills, then its queue does.
        using var slow = Client.Watch(new WatchRequest { Authority = $"{name}:8080", ProxyId = "slow" });
        Assert.True(await slow.ResponseStream.MoveNext());

        var bigLabels = Enumerable.Range(0, 20).ToImmutableDictionary(i => $"label-{i}", i => new string('x', 200));
        var grain = silo.Grains.GetGrain<IEndpointSetGrain>(key);
        var round = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (metrics.WatchersDropped == droppedBefore)
        {
            Assert.True(DateTime.UtcNow < deadline, "slow watcher was never dropped");
            round++;
            var endpoints = Enumerable.Range(1, 20).Select(i => Views.Workload($"w{i}", $"127.0.1.{i}", labels: bigLabels.Add("round", round.ToString()))).ToArray();
            await grain.SetAsync(Views.Endpoints(name, endpoints));
            if (round % 20 == 0) await Task.Delay(10); // let stream deliveries interleave with the writes
        }

        // The fast watcher converges to the final state.
        await fast.WaitUntil(w => w.Endpoints.Count == 20 && w.Endpoints.Values.All(e => e.Labels["round"] == round.ToString()),
            $"round {round}", TimeSpan.FromSeconds(20));
        Assert.Null(fast.Error);

        // The slow watcher's stream ends in an error once it drains what was buffered.
        await Assert.ThrowsAsync<RpcException>(async () =>
        {
            var readDeadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (await slow.ResponseStream.MoveNext()) Assert.True(DateTime.UtcNow < readDeadline, "slow stream never ended");
        });

        // Reconnecting resyncs with a fresh snapshot of the current state.
        await using var again = new WatchClient(Client, $"{name}:8080");
        await again.WaitUntil(w => w.Endpoints.Count == 20, "resync snapshot");
        Assert.Equal(ServiceUpdate.KindOneofCase.Snapshot, again.Updates[0].KindCase);
        Assert.All(again.Endpoints.Values, e => Assert.Equal(round.ToString(), e.Labels["round"]));
    }

    [Fact]
    public async Task Watch_ManyWatchersOneService_OneSharedSubscriptionReleasedAfterLast()
    {
        var name = NewName();
        await PublishAsync(name, Views.Workload("a", "127.0.0.11"));
        var metrics = silo.Host.Services.GetRequiredService<DiscoveryMetrics>();
        var before = metrics.ActiveSubscriptions;

        var watches = Enumerable.Range(0, 5).Select(_ => new WatchClient(Client, $"{name}:8080")).ToList();
        foreach (var w in watches) await w.WaitUntil(x => x.Exists, "snapshot");
        Assert.Equal(before + 3, metrics.ActiveSubscriptions); // service, endpoints, profile: once each, not per watcher

        foreach (var w in watches) await w.DisposeAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (metrics.ActiveSubscriptions != before && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(before, metrics.ActiveSubscriptions);
    }

    [Fact]
    public async Task WatchInbound_SnapshotThenChange()
    {
        var workload = NewName();
        using var call = Client.WatchInbound(new InboundWatchRequest { Namespace = "default", Workload = workload });
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.False(call.ResponseStream.Current.Policy.Exists);
        var v1 = call.ResponseStream.Current.Version;

        var view = InboundPolicyView.Missing("default", workload, DefaultPolicyKind.Deny) with
        {
            Exists = true,
            Servers = [new InboundServerView("default/web", 7001, "HTTP/1", [], null)],
        };
        await silo.Grains.GetGrain<IInboundPoliciesGrain>(MeshNames.InboundPartition("default", workload)).SetAsync([view]);
        Assert.True(await call.ResponseStream.MoveNext());
        var update = call.ResponseStream.Current;
        Assert.True(update.Version > v1);
        Assert.True(update.Policy.Exists);
        Assert.Equal(DefaultPolicy.Deny, update.Policy.DefaultPolicy);
        Assert.Equal("default/web", Assert.Single(update.Policy.Servers).Name);
    }

    /// <summary>Two workloads whose inbound policies live in one partition grain: each proxy's watch sees only its own
    /// policy, and a write of the other's is no update on it (the next update is its own change, one version on).</summary>
    [Fact]
    public async Task WatchInbound_NeighbourInTheSamePartitionChanges_OnlyItsOwnPolicyAndDeltas()
    {
        var names = Grains.PartitionViewGrainTests.SamePartition("default", 2, NewName());
        var (mine, neighbour) = (names[0], names[1]);
        var partition = silo.Grains.GetGrain<IInboundPoliciesGrain>(MeshNames.InboundPartition("default", mine));
        InboundPolicyView Policy(string workload, int port) => InboundPolicyView.Missing("default", workload, DefaultPolicyKind.Deny) with
        {
            Exists = true,
            Servers = [new InboundServerView($"default/{workload}", port, "HTTP/1", [], null)],
        };

        using var call = Client.WatchInbound(new InboundWatchRequest { Namespace = "default", Workload = mine });
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.False(call.ResponseStream.Current.Policy.Exists);
        Assert.Equal(0, call.ResponseStream.Current.SourceVersion);

        await partition.SetAsync([Policy(neighbour, 7001)]);
        await partition.SetAsync([Policy(neighbour, 7002)]);
        await partition.SetAsync([Policy(mine, 7003), Policy(neighbour, 7004)]);

        Assert.True(await call.ResponseStream.MoveNext());
        var update = call.ResponseStream.Current;
        Assert.Equal(2ul, update.Version);
        Assert.Equal(1, update.SourceVersion);
        Assert.Equal($"default/{mine}", Assert.Single(update.Policy.Servers).Name);
        Assert.Equal(7003u, Assert.Single(update.Policy.Servers).Port);

        // The neighbour's own watch starts from its own view, at its own version.
        using var other = Client.WatchInbound(new InboundWatchRequest { Namespace = "default", Workload = neighbour });
        Assert.True(await other.ResponseStream.MoveNext());
        Assert.Equal(3, other.ResponseStream.Current.SourceVersion);
        Assert.Equal(7004u, Assert.Single(other.ResponseStream.Current.Policy.Servers).Port);
    }
}
