using System.Collections;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;
using Mesh.Silo.Hosting;
using Mesh.Silo.Kubernetes.Sync;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Kubernetes.Tests.Sync;

/// <summary>The sink against a real catalog (a local silo, no sync running): a burst is one write per namespace, and a
/// new term's fence refuses an older term's write even in a namespace the new term had nothing to write to.</summary>
public sealed class CatalogSinkTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mesh-sink-").FullName;
    private SiloHost _silo = null!;
    private IGrainFactory Grains => SyncCluster.Grains(_silo);

    public async Task InitializeAsync() =>
        _silo = await SiloHost.StartAsync(SiloSettingsLoader.Load(
            ["--admin", "127.0.0.1:0", "--control", "127.0.0.1:0", "--data-dir", _dir, "--ephemeral"], new Hashtable { ["MESH_LOG_LEVEL"] = "Error" }));

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private CatalogSink Sink(long transitions, TimeSpan coalesce) =>
        new(Grains, new SyncEpoch(transitions, TimeProvider.System), new SyncStatusBoard("test", "mesh", "lease", TimeProvider.System),
            NullLogger.Instance, TimeProvider.System, coalesce);

    private static StoredResource Workload(string ns, string name, string ip)
    {
        var parsed = ResourceParser.Parse($"apiVersion: mesh.io/v1alpha1\nkind: Workload\nmetadata: {{name: {name}, namespace: {ns}}}\nspec: {{addresses: [{ip}]}}\n");
        Assert.True(parsed.Ok, string.Join("; ", parsed.Errors));
        var r = parsed.Resources.Single();
        return new StoredResource(r.Kind, r.Namespace, r.Name, r.CanonicalJson, 0) { Source = ResourceSources.Kubernetes };
    }

    [Fact]
    public async Task Run_BurstOfChangesInOneNamespace_IsOneCatalogWrite()
    {
        var sink = Sink(1, TimeSpan.FromMilliseconds(200));
        using var cts = new CancellationTokenSource();
        var run = sink.RunAsync(cts.Token);
        for (var i = 0; i < 50; i++) sink.Put("burst", new ResourceKey("Workload", $"w{i}"), Workload("burst", $"w{i}", $"10.2.0.{i + 1}"));
        sink.Put("burst", new ResourceKey("Workload", "w0"), null); // the last change of a key wins
        await SyncCluster.EventuallyAsync(() => Grains.GetGrain<ICatalogGrain>("burst").ListAsync("Workload"), l => l.Length == 49, "49 workloads");
        Assert.Equal(1, sink.Writes);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }

    [Fact]
    public async Task Fence_NamespaceTheNewTermDidNotChange_RefusesTheOldTermsLateWrite()
    {
        var apply = await Grains.GetGrain<ICatalogGrain>("quiet").WriteAsync(new CatalogBatch(ResourceSources.Apply, 0,
            [Workload("quiet", "applied", "10.3.0.1") with { Source = ResourceSources.Apply }], []));
        Assert.True(apply.Ok, apply.Error);

        await Sink(5, TimeSpan.Zero).FenceAsync(CancellationToken.None);
        var old = Sink(4, TimeSpan.Zero);
        old.Put("quiet", new ResourceKey("Workload", "late"), Workload("quiet", "late", "10.3.0.2"));
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10)); // without the fence the write lands and the sink just waits
        await Assert.ThrowsAsync<DeposedException>(() => old.RunAsync(bound.Token));
        Assert.Null(await Grains.GetGrain<ICatalogGrain>("quiet").GetAsync("Workload", "late"));
    }
}
