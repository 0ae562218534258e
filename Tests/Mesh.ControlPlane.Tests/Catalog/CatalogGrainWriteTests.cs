using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.ControlPlane.Tests.Grains;
using static Mesh.ControlPlane.Tests.Catalog.CatalogResources;

namespace Mesh.ControlPlane.Tests.Catalog;

/// <summary>The catalog's batch write path on a real Orleans silo: one reconcile per batch, relist diffs, ownership by
/// source, epochs, and malformed batches refused whole.</summary>
public sealed class CatalogGrainWriteTests(ViewGrainClusterFixture fixture) : IClassFixture<ViewGrainClusterFixture>
{
    private const string Kubernetes = ResourceSources.Kubernetes;
    private const string Apply = ResourceSources.Apply;

    private static string NewNamespace() => "cat-" + Guid.NewGuid().ToString("N")[..8];

    private ICatalogGrain Catalog(string ns) => fixture.Cluster.GrainFactory.GetGrain<ICatalogGrain>(ns);

    private Task<Versioned<Mesh.Abstractions.Model.EndpointSetView>> EndpointsAsync(string ns, string service) =>
        fixture.Cluster.GrainFactory.GetGrain<IEndpointSetGrain>(MeshNames.Key(ns, service)).GetAsync();

    private static IEnumerable<StoredResource> Pods(string ns, int from, int count) =>
        Enumerable.Range(from, count).Select(i => Workload(ns, $"books-{i}", "books", $"127.0.1.{i}"));

    [Fact]
    public async Task WriteAsync_ServiceAndManyWorkloadsInOneBatch_EndpointSetWrittenOncePerBatch()
    {
        var ns = NewNamespace();
        var first = await Catalog(ns).WriteAsync(Batch(Kubernetes, 1, [Service(ns, "books"), .. Pods(ns, 1, 5)]));
        Assert.Equal(CatalogWriteStatus.Applied, first.Status);
        Assert.All(first.Outcomes, o => Assert.Equal(ApplyAction.Created, o.Action));

        // Six resources, one derivation: the endpoint set went from nothing to five endpoints in one view write.
        var endpoints = await EndpointsAsync(ns, "books");
        Assert.Equal(1, endpoints.Version);
        Assert.Equal(5, endpoints.Value.Endpoints.Length);

        var second = await Catalog(ns).WriteAsync(Batch(Kubernetes, 2, Pods(ns, 6, 3), Key("Workload", "books-1"), Key("Workload", "books-2")));
        Assert.Equal([Key("Workload", "books-1"), Key("Workload", "books-2")], second.Deleted.ToArray());
        endpoints = await EndpointsAsync(ns, "books");
        Assert.Equal(2, endpoints.Version);
        Assert.Equal(["127.0.1.3", "127.0.1.4", "127.0.1.5", "127.0.1.6", "127.0.1.7", "127.0.1.8"],
            endpoints.Value.Endpoints.Select(e => e.Address).Order(StringComparer.Ordinal).ToArray());
        Assert.All(await Catalog(ns).ListAsync(null), r => Assert.Equal(Kubernetes, r.Source));
    }

    [Fact]
    public async Task ReplaceAsync_RelistMissingOne_DeletesOnlyThatSourcesMissingResources()
    {
        var ns = NewNamespace();
        Assert.True((await Catalog(ns).WriteAsync(Batch(Apply, 0, [Service(ns, "local")]))).Ok);
        Assert.True((await Catalog(ns).WriteAsync(Batch(Kubernetes, 1, [Service(ns, "a"), Service(ns, "b")]))).Ok);
        Assert.True((await Catalog(ns).WriteAsync(Batch(ResourceSources.Link("west"), 1, [Service(ns, "books-west")]))).Ok);

        var relist = await Catalog(ns).ReplaceAsync(new CatalogReplace(Kubernetes, 2, [Service(ns, "a", 9090), Service(ns, "c")]));

        Assert.Equal(CatalogWriteStatus.Applied, relist.Status);
        Assert.Equal([Key("Service", "b")], relist.Deleted.ToArray());
        Assert.Equal(["Service/a configured", "Service/c created"], relist.Outcomes.Select(o => $"{o.Kind}/{o.Name} {o.Action.ToString().ToLowerInvariant()}").ToArray());
        Assert.Equal(["Service/a@kubernetes", "Service/books-west@link/west", "Service/c@kubernetes", "Service/local@apply"],
            CatalogResources.Names(await Catalog(ns).ListAsync(null)).ToArray());

        // An empty relist withdraws everything of that source and nothing else.
        var emptied = await Catalog(ns).ReplaceAsync(new CatalogReplace(Kubernetes, 3, []));
        Assert.Equal([Key("Service", "a"), Key("Service", "c")], emptied.Deleted.ToArray());
        Assert.Equal(["Service/books-west@link/west", "Service/local@apply"], CatalogResources.Names(await Catalog(ns).ListAsync(null)).ToArray());
    }

    [Fact]
    public async Task WriteAsync_ResourceOfAnotherSource_ConflictNamingTheOwnerAndNothingWritten()
    {
        var ns = NewNamespace();
        Assert.True((await Catalog(ns).WriteAsync(Batch(Kubernetes, 1, [Service(ns, "books")]))).Ok);
        Assert.True((await Catalog(ns).WriteAsync(Batch(ResourceSources.Link("west"), 1, [Service(ns, "books-west")]))).Ok);
        Assert.True((await Catalog(ns).WriteAsync(Batch(Apply, 0, [Service(ns, "local")]))).Ok);
        var before = await Catalog(ns).ListAsync(null);

        var applyOverKubernetes = await Catalog(ns).WriteAsync(Batch(Apply, 0, [Service(ns, "new-one"), Service(ns, "books", 9090)]));
        Assert.Equal(CatalogWriteStatus.Conflict, applyOverKubernetes.Status);
        Assert.Equal(Kubernetes, applyOverKubernetes.Owner);
        Assert.Equal(Key("Service", "books"), applyOverKubernetes.Key);
        Assert.Contains("managed by Kubernetes: use kubectl", applyOverKubernetes.Error);

        var deleteMirror = await Catalog(ns).WriteAsync(Batch(Apply, 0, [], Key("Service", "books-west")));
        Assert.Equal(CatalogWriteStatus.Conflict, deleteMirror.Status);
        Assert.Contains("mirrored from cluster west", deleteMirror.Error);

        var kubernetesOverApply = await Catalog(ns).WriteAsync(Batch(Kubernetes, 2, [Service(ns, "local", 9090)]));
        Assert.Equal(CatalogWriteStatus.Conflict, kubernetesOverApply.Status);
        Assert.Equal(Apply, kubernetesOverApply.Owner);

        var linkOverKubernetes = await Catalog(ns).ReplaceAsync(new CatalogReplace(ResourceSources.Link("west"), 2, [Service(ns, "books")]));
        Assert.Equal(CatalogWriteStatus.Conflict, linkOverKubernetes.Status);

        Assert.Equal(before.ToArray(), (await Catalog(ns).ListAsync(null)).ToArray());
        // The refused kubernetes batch did not consume its epoch: the same epoch with a valid batch is applied.
        Assert.Equal(CatalogWriteStatus.Applied, (await Catalog(ns).WriteAsync(Batch(Kubernetes, 2, [Service(ns, "books", 9090)]))).Status);
    }

    [Fact]
    public async Task WriteAsync_RepeatedEpoch_NothingDoneAndAnOlderEpochRefused()
    {
        var ns = NewNamespace();
        Assert.Equal(CatalogWriteStatus.Applied, (await Catalog(ns).WriteAsync(Batch(Kubernetes, 5, [Service(ns, "books"), .. Pods(ns, 1, 2)]))).Status);
        var stored = await Catalog(ns).ListAsync(null);

        var repeat = await Catalog(ns).WriteAsync(Batch(Kubernetes, 5, Pods(ns, 3, 1), Key("Workload", "books-1")));
        Assert.Equal(CatalogWriteStatus.Repeated, repeat.Status);
        Assert.Empty(repeat.Outcomes);
        var stale = await Catalog(ns).WriteAsync(Batch(Kubernetes, 4, Pods(ns, 3, 1)));
        Assert.Equal(CatalogWriteStatus.StaleEpoch, stale.Status);
        Assert.Contains("older than its last write here (5)", stale.Error);
        Assert.Equal(stored.ToArray(), (await Catalog(ns).ListAsync(null)).ToArray());
        Assert.Equal(1, (await EndpointsAsync(ns, "books")).Version);

        // Epochs are per source: apply (no epoch) and a link are not fenced by the kubernetes epoch.
        Assert.True((await Catalog(ns).WriteAsync(Batch(ResourceSources.Link("east"), 1, [Service(ns, "books-east")]))).Ok);
        Assert.Equal(CatalogWriteStatus.Applied, (await Catalog(ns).WriteAsync(Batch(Kubernetes, 6, Pods(ns, 3, 1)))).Status);
        Assert.Equal(3, (await EndpointsAsync(ns, "books")).Value.Endpoints.Length);
    }

    public static TheoryData<string, string, long, string> BadBatches => new()
    {
        { "empty source", "", 1, "names no source" },
        { "unknown source", "helm", 1, "unknown source 'helm'" },
        { "source in another case", "Kubernetes", 1, "unknown source 'Kubernetes'" },
        { "link without a cluster", "link/", 1, "must be a DNS label" },
        { "link cluster not a label", "link/West_1", 1, "must be a DNS label" },
        { "kubernetes without an epoch", "kubernetes", 0, "sent no epoch" },
        { "negative epoch", "kubernetes", -1, "must be 0 (none) or more" },
        { "duplicate upsert", "kubernetes", 1, "upserted twice" },
        { "duplicate delete", "kubernetes", 1, "deleted twice" },
        { "upsert and delete", "kubernetes", 1, "both upserted and deleted" },
        { "other namespace", "kubernetes", 1, "sent to the catalog of" },
    };

    [Theory]
    [MemberData(nameof(BadBatches))]
    public async Task WriteAsync_MalformedBatch_InvalidWithTheReasonAndNothingWritten(string @case, string source, long epoch, string reason)
    {
        var ns = NewNamespace();
        Assert.True((await Catalog(ns).WriteAsync(Batch(Kubernetes, 1, [Service(ns, "existing")]))).Ok);
        var existing = await Catalog(ns).ListAsync(null);
        var batch = @case switch
        {
            "duplicate upsert" => Batch(source, epoch + 1, [Service(ns, "a"), Service(ns, "a", 9090)]),
            "duplicate delete" => Batch(source, epoch + 1, [Service(ns, "a")], Key("Service", "existing"), Key("Service", "existing")),
            "upsert and delete" => Batch(source, epoch + 1, [Service(ns, "a"), Service(ns, "existing", 9090)], Key("Service", "existing")),
            "other namespace" => Batch(source, epoch + 1, [Service(ns, "a"), Service("elsewhere", "b")]),
            _ => Batch(source, epoch, [Service(ns, "a")], Key("Service", "existing")),
        };

        var result = await Catalog(ns).WriteAsync(batch);

        Assert.Equal(CatalogWriteStatus.Invalid, result.Status);
        Assert.Contains(reason, result.Error);
        Assert.EndsWith("nothing was written", result.Error);
        Assert.Equal(existing.ToArray(), (await Catalog(ns).ListAsync(null)).ToArray());
        Assert.Equal(0, (await EndpointsAsync(ns, "a")).Version);
    }
}
