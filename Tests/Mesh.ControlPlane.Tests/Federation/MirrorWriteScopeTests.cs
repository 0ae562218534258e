using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Grains.Federation;

namespace Mesh.ControlPlane.Tests.Federation;

/// <summary>How much the link writes: a remote delta writes only its Service's mirrors in one catalog batch, a fresh
/// snapshot after a reconnect is one batch per namespace holding only the differences, and a snapshot that matches
/// the catalog writes nothing. Writes are counted by the link (<see cref="LinkStatus.CatalogWrites"/>, one per
/// catalog batch applied, and <see cref="LinkStatus.CatalogResourcesWritten"/>, the upserts and deletes they carried)
/// and cross-checked with the resources' generations (the catalog bumps one per change).
/// Flat-mode mirrors only: their resources do not depend on the gateway probe, whose verdict on the (absent) gateway
/// of <see cref="TwoClusters"/> would otherwise rewrite gateway-mode mirrors mid-test. Its own pair of silos, so no
/// other class's mirrors count; the tests of a class run one after another, each in its own namespace.</summary>
public sealed class MirrorWriteScopeTests(TwoClusters clusters) : IClassFixture<TwoClusters>
{
    private const string Source = "link/west";

    private IGrainFactory EastGrains => clusters.East.Services.GetRequiredService<IGrainFactory>();

    private static string Flat(string ns, string name, params string[] addresses) =>
        LinkMirrorTests.Service(ns, name, "mirror.mesh.io/exported: remote-discovery", $"app: {name}")
        + string.Concat(addresses.Select((a, i) => LinkMirrorTests.Workload(ns, $"{name}-{i + 1}", name, a, name)));

    private async Task LinkAsync(string ns, int mirrors)
    {
        await TwoClusters.ApplyAsync(clusters.East, LinkMirrorTests.Service(ns, "web", "tier: front", "app: web"));
        await TwoClusters.ApplyAsync(clusters.East, LinkMirrorTests.Link(clusters.FederationAddress));
        await LinkMirrorTests.EventuallyAsync(StatusAsync,
            s => s.Services.Count(c => c.Namespace == ns && c.Reason == MirrorReasons.Mirrored) == mirrors, $"{mirrors} mirrors in {ns}");
        await LinkMirrorTests.EventuallyAsync(() => OwnedAsync(ns), o => o.Count == 2 * mirrors, $"{mirrors} Services and slices in {ns}");
    }

    [Fact]
    public async Task OneRemoteChange_IsOneCatalogWrite_OfOnlyThatServicesMirror()
    {
        const string ns = "scope-delta";
        await TwoClusters.ApplyAsync(clusters.West, Flat(ns, "alpha", "10.3.0.1") + Flat(ns, "beta", "10.3.1.1") + Flat(ns, "gamma", "10.3.2.1"));
        await LinkAsync(ns, mirrors: 3);
        var (writes, sent) = Counts(await StatusAsync());
        var before = await OwnedAsync(ns);

        // A second pod for alpha on west: alpha-west's slice changes, nothing else.
        await TwoClusters.ApplyAsync(clusters.West, LinkMirrorTests.Workload(ns, "alpha-2", "alpha", "10.3.0.2", "alpha"));
        await LinkMirrorTests.EventuallyAsync(() => EndpointsAsync(ns, "alpha-west"), e => e.Length == 2, "alpha-west gets the second pod");
        await LinkMirrorTests.EventuallyAsync(StatusAsync, s => s.CatalogWrites >= writes + 1, "the link counts its write");
        var afterAlpha = await OwnedAsync(ns);
        Assert.Equal((writes + 1, sent + 1), Counts(await StatusAsync())); // one batch carrying alpha-west's slice alone
        Assert.Equal(["EndpointSlice/alpha-west"], Changed(before, afterAlpha));

        // Then one for beta: again one write, of beta-west's slice alone (alpha's change wrote nothing more meanwhile).
        await TwoClusters.ApplyAsync(clusters.West, LinkMirrorTests.Workload(ns, "beta-2", "beta", "10.3.1.2", "beta"));
        await LinkMirrorTests.EventuallyAsync(() => EndpointsAsync(ns, "beta-west"), e => e.Length == 2, "beta-west gets the second pod");
        await LinkMirrorTests.EventuallyAsync(StatusAsync, s => s.CatalogWrites >= writes + 2, "the link counts its second write");
        Assert.Equal((writes + 2, sent + 2), Counts(await StatusAsync()));
        Assert.Equal(["EndpointSlice/beta-west"], Changed(afterAlpha, await OwnedAsync(ns)));

        // Unexported: one write deleting gamma-west's Service and slice; the others stay as they were.
        var beforeGamma = await OwnedAsync(ns);
        await TwoClusters.ApplyAsync(clusters.West, LinkMirrorTests.Service(ns, "gamma", "tier: backend", "app: gamma"));
        var afterGamma = await LinkMirrorTests.EventuallyAsync(() => OwnedAsync(ns), o => o.Count == 4, "gamma-west deleted");
        await LinkMirrorTests.EventuallyAsync(StatusAsync, s => s.CatalogWrites >= writes + 3, "the link counts the delete");
        Assert.Equal((writes + 3, sent + 4), Counts(await StatusAsync())); // gamma-west's Service and slice deleted
        Assert.Equal(beforeGamma.Where(r => !r.Key.EndsWith("/gamma-west", StringComparison.Ordinal)), afterGamma);
        Assert.DoesNotContain((await StatusAsync()).Services, c => c.Name == "gamma-west");
    }

    /// <summary>The link's status is read between the writer's awaits (the watch loop is not a grain call): it must
    /// never say Mirrored for a mirror the catalog does not hold yet, nor hold a written mirror without its write
    /// counted. Polled as fast as the grain answers while twelve mirrors arrive one delta at a time; each sample of the
    /// status is taken before the catalog is read, so what it claims must already be there.</summary>
    [Fact]
    public async Task StatusSaysMirrored_OnlyOnceTheCatalogHoldsTheMirror_AndItsWriteIsCounted()
    {
        const string ns = "scope-status";
        await TwoClusters.ApplyAsync(clusters.East, LinkMirrorTests.Service(ns, "web", "tier: front", "app: web"));
        await TwoClusters.ApplyAsync(clusters.East, LinkMirrorTests.Link(clusters.FederationAddress));
        var names = Enumerable.Range(1, 12).Select(i => $"s{i:00}").ToList();
        var (writesBefore, _) = Counts(await StatusAsync());
        var applying = Task.Run(async () =>
        {
            foreach (var (name, i) in names.Select((n, i) => (n, i)))
                await TwoClusters.ApplyAsync(clusters.West, Flat(ns, name, $"10.8.{i}.1"));
        });
        var samples = 0;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var status = await StatusAsync();
            var mirrored = status.Services.Where(c => c is { Namespace: ns, Reason: MirrorReasons.Mirrored }).Select(c => c.Name).ToList();
            var owned = await OwnedAsync(ns);
            foreach (var name in mirrored)
            {
                Assert.True(owned.ContainsKey($"Service/{name}") && owned.ContainsKey($"EndpointSlice/{name}"),
                    $"status says {name} Mirrored but the catalog holds {string.Join(", ", owned.Keys)}");
            }
            // Each mirror here was written by a batch of its own or with others: at least one write per batch seen.
            if (mirrored.Count > 0) Assert.True(status.CatalogWrites > writesBefore, $"{mirrored.Count} Mirrored, no write counted");
            samples++;
            if (mirrored.Count == names.Count && applying.IsCompleted) break;
            Assert.True(DateTime.UtcNow < deadline, $"only {mirrored.Count} of {names.Count} Mirrored after 60 s");
        }
        await applying;
        Assert.True(samples > 1, "the status was sampled while mirrors arrived");
    }

    [Fact]
    public async Task DeltaThatShrinksAMirror_DeletesOnlyItsSliceNoLongerWanted()
    {
        const string ns = "scope-shrink";
        // Remote pay-west's own name here is remote pay's mirror: a delta of pay-west must leave that one alone.
        await TwoClusters.ApplyAsync(clusters.West, Flat(ns, "pay", "10.6.0.1")
            + LinkMirrorTests.Service(ns, "pay-west", "mirror.mesh.io/exported: remote-discovery", "app: pay-west")
            + LinkMirrorTests.Workload(ns, "pay-west-a", "pay-west", "10.6.1.1", "alice")
            + LinkMirrorTests.Workload(ns, "pay-west-b", "pay-west", "10.6.1.2", "bob"));
        await TwoClusters.ApplyAsync(clusters.East, LinkMirrorTests.Service(ns, "web", "tier: front", "app: web"));
        await TwoClusters.ApplyAsync(clusters.East, LinkMirrorTests.Link(clusters.FederationAddress));
        // pay-west (Service, slice) and pay-west-west (Service, a slice per identity).
        var before = await LinkMirrorTests.EventuallyAsync(() => OwnedAsync(ns), o => o.Count == 5, "both mirrors, pay-west-west with two slices");
        Assert.Contains("EndpointSlice/pay-west-west-1", before.Keys);
        await LinkMirrorTests.EventuallyAsync(() => EndpointsAsync(ns, "pay-west-west"), e => e.Length == 2, "pay-west-west has both pods");
        await LinkMirrorTests.EventuallyAsync(StatusAsync, s => s.Services.Count(c => c.Namespace == ns && c.Reason == MirrorReasons.Mirrored) == 2, "both Mirrored");
        var (writes, sent) = Counts(await StatusAsync());

        await TwoClusters.DeleteAsync(clusters.West, "workloads", ns, "pay-west-b");
        var after = await LinkMirrorTests.EventuallyAsync(() => OwnedAsync(ns), o => o.Count == 4, "bob's slice deleted");
        await LinkMirrorTests.EventuallyAsync(StatusAsync, s => s.CatalogWrites >= writes + 1, "the link counts its write");
        Assert.Equal((writes + 1, sent + 1), Counts(await StatusAsync()));
        Assert.Equal(["EndpointSlice/pay-west-west-1"], Changed(before, after));
        Assert.Equal("10.6.1.1", Assert.Single(await EndpointsAsync(ns, "pay-west-west")).Address);
        Assert.Single(await EndpointsAsync(ns, "pay-west"));
    }

    [Fact]
    public async Task WaitingMirrors_AreWrittenByTheResync_OnceTheCauseIsGone()
    {
        // A namespace with nothing of east's own (MissingNamespace) and one where east has a Service named like the
        // mirror (NameConflict): nothing arrives from west when the cause goes, so the resync timer must notice.
        const string missing = "scope-missing", conflict = "scope-conflict";
        await TwoClusters.ApplyAsync(clusters.West, Flat(missing, "late", "10.7.0.1") + Flat(conflict, "taken", "10.7.1.1"));
        await TwoClusters.ApplyAsync(clusters.East, LinkMirrorTests.Service(conflict, "taken-west", "owner: east", "app: taken")
            + LinkMirrorTests.Service(conflict, "web", "tier: front", "app: web"));
        await TwoClusters.ApplyAsync(clusters.East, LinkMirrorTests.Link(clusters.FederationAddress));
        await LinkMirrorTests.EventuallyAsync(StatusAsync, s => s.Services.Any(c => c is { Namespace: missing, Reason: MirrorReasons.MissingNamespace })
            && s.Services.Any(c => c is { Namespace: conflict, Reason: MirrorReasons.NameConflict }), "MissingNamespace and NameConflict");
        Assert.Empty(await OwnedAsync(missing));
        Assert.Empty(await OwnedAsync(conflict));

        await TwoClusters.ApplyAsync(clusters.East, LinkMirrorTests.Service(missing, "web", "tier: front", "app: web"));
        await TwoClusters.DeleteAsync(clusters.East, "services", conflict, "taken-west");

        await LinkMirrorTests.EventuallyAsync(() => EndpointsAsync(missing, "late-west"), e => e.Length == 1, "late-west mirrored");
        await LinkMirrorTests.EventuallyAsync(() => EndpointsAsync(conflict, "taken-west"), e => e.Length == 1, "taken-west mirrored");
        Assert.Equal(Source, (await EastGrains.GetGrain<ICatalogGrain>(conflict).GetAsync("Service", "taken-west"))!.Source);
        await LinkMirrorTests.EventuallyAsync(StatusAsync, s => s.Services.Where(c => c.Namespace is missing or conflict).All(c => c.Reason == MirrorReasons.Mirrored)
            && s.Services.Count(c => c.Namespace is missing or conflict) == 2, "both Mirrored");
    }

    [Fact]
    public async Task FreshSnapshotAfterReconnect_IsOneWriteOfTheDifferences()
    {
        const string ns = "scope-reconnect";
        await TwoClusters.ApplyAsync(clusters.West, Flat(ns, "keep", "10.4.0.1") + Flat(ns, "grow", "10.4.1.1") + Flat(ns, "drop", "10.4.2.1"));
        await LinkAsync(ns, mirrors: 3);

        // While east is cut off, west changes grow and stops exporting drop; east hears of it only from the snapshot.
        var (counts, before) = await ReconnectAsync(async () =>
        {
            await TwoClusters.ApplyAsync(clusters.West, LinkMirrorTests.Workload(ns, "grow-2", "grow", "10.4.1.2", "grow"));
            await TwoClusters.ApplyAsync(clusters.West, LinkMirrorTests.Service(ns, "drop", "tier: backend", "app: drop"));
        }, ns);

        var after = await LinkMirrorTests.EventuallyAsync(() => OwnedAsync(ns), o => o.Count == 4, "drop-west deleted by the snapshot");
        Assert.Equal(2, (await EndpointsAsync(ns, "grow-west")).Length);
        // One batch: grow-west's slice upserted, drop-west's Service and slice deleted; keep-west not sent.
        Assert.Equal((counts.Writes + 1, counts.Sent + 3), Counts(await StatusAsync()));
        Assert.Equal(["EndpointSlice/drop-west", "EndpointSlice/grow-west", "Service/drop-west"], Changed(before, after));
        Assert.Equal(before["Service/keep-west"], after["Service/keep-west"]);
        Assert.Equal(before["EndpointSlice/keep-west"], after["EndpointSlice/keep-west"]);
        Assert.DoesNotContain((await StatusAsync()).Services, c => c.Name == "drop-west");
    }

    [Fact]
    public async Task UnchangedSnapshotAfterReconnect_WritesNothing()
    {
        const string ns = "scope-unchanged";
        await TwoClusters.ApplyAsync(clusters.West, Flat(ns, "still", "10.5.0.1", "10.5.0.2") + Flat(ns, "calm", "10.5.1.1"));
        await LinkAsync(ns, mirrors: 2);

        var (counts, before) = await ReconnectAsync(() => Task.CompletedTask, ns);

        Assert.Equal(counts, Counts(await StatusAsync()));
        Assert.Equal(before, await OwnedAsync(ns));
        Assert.Equal(2, (await StatusAsync()).Services.Count(c => c.Namespace == ns && c.Reason == MirrorReasons.Mirrored));
    }

    /// <summary>Points the Link at a port where nothing listens (the stream is lost, the mirrors stay), runs
    /// <paramref name="whileCutOff"/>, points it back and waits until the new stream's snapshot was applied (a
    /// message arrived after it: the watch applies each message before it reads the next). Answers the link's write
    /// count and <paramref name="ns"/>'s mirrors just before the reconnect.</summary>
    private async Task<((long Writes, long Sent) Counts, ImmutableSortedDictionary<string, (long, string)> Before)> ReconnectAsync(Func<Task> whileCutOff, string ns)
    {
        var mirrors = await OwnedAsync(ns);
        await TwoClusters.ApplyAsync(clusters.East, LinkMirrorTests.Link($"127.0.0.1:{ClosedPort()}"));
        await LinkMirrorTests.EventuallyAsync(StatusAsync, s => s.FederationConnected is { Status: false, Reason: "Unreachable" }, "the link loses its stream");
        Assert.Equal(mirrors, await OwnedAsync(ns));
        await whileCutOff();

        var counts = Counts(await StatusAsync());
        await TwoClusters.ApplyAsync(clusters.East, LinkMirrorTests.Link(clusters.FederationAddress));
        await LinkMirrorTests.EventuallyAsync(StatusAsync,
            s => s.FederationConnected.Status && s.LastMessage > s.FederationConnected.LastTransitionTime, "a message after the new stream's snapshot");
        return (counts, mirrors);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Keys of the resources whose generation or document differs, or that exist on one side only.</summary>
    private static List<string> Changed(ImmutableSortedDictionary<string, (long, string)> before, ImmutableSortedDictionary<string, (long, string)> after) =>
        [.. before.Keys.Union(after.Keys).Order(StringComparer.Ordinal)
            .Where(k => !before.TryGetValue(k, out var b) || !after.TryGetValue(k, out var a) || a != b)];

    /// <summary>Catalog batches the link wrote, and the upserts and deletes they carried.</summary>
    private static (long Writes, long Sent) Counts(LinkStatus status) => (status.CatalogWrites, status.CatalogResourcesWritten);

    private Task<LinkStatus> StatusAsync() => EastGrains.GetGrain<ILinkGrain>("west").GetStatusAsync();

    /// <summary>This link's resources in <paramref name="ns"/>: kind/name → (generation, document).</summary>
    private async Task<ImmutableSortedDictionary<string, (long, string)>> OwnedAsync(string ns) =>
        (await EastGrains.GetGrain<ICatalogGrain>(ns).ListAsync(null)).Where(r => r.Source == Source)
            .ToImmutableSortedDictionary(r => $"{r.Kind}/{r.Name}", r => (r.Generation, r.Json), StringComparer.Ordinal);

    private async Task<ImmutableArray<Abstractions.Model.WorkloadEndpoint>> EndpointsAsync(string ns, string service) =>
        (await EastGrains.GetGrain<IEndpointSetGrain>(MeshNames.Key(ns, service)).GetAsync()).Value.Endpoints;
}
