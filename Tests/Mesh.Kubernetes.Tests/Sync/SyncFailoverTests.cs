using System.Diagnostics;
using Mesh.ControlPlane.Tests.Support;
using Mesh.Names;
using Xunit.Abstractions;

namespace Mesh.Kubernetes.Tests.Sync;

/// <summary>Leader failover with a real mesh-silo process as the first leader and an in-process silo as the standby:
/// SIGKILL → the standby leads once the lease runs out; SIGTERM → the process releases the Lease before it exits.</summary>
[Trait("Category", "E2E")]
public sealed class SyncFailoverTests(ITestOutputHelper output)
{
    private const int LeaseMs = 2000;

    private static async Task<(SyncCluster Cluster, SiloProcess Leader)> StartLeaderProcessAsync()
    {
        var c = await SyncCluster.StartAsync();
        await c.CreateAsync("v1", "services", "shop", """{"metadata":{"name":"books"},"spec":{"selector":{"app":"books"},"ports":[{"port":8080}]}}""");
        var dir = Directory.CreateTempSubdirectory("mesh-k8s-proc-").FullName;
        var kubeconfig = c.Api.WriteKubeconfig(Path.Combine(dir, "kubeconfig"), token: c.Api.Tokens.MintServiceAccount(SyncCluster.LeaseNamespace, "mesh-silo"));
        var leader = await SiloProcess.StartAsync(new Dictionary<string, string>
        {
            ["MESH_KUBERNETES"] = "true", ["MESH_KUBECONFIG"] = kubeconfig, ["MESH_EPHEMERAL"] = "true", ["MESH_LOG_LEVEL"] = "Warning",
            ["MESH_KUBERNETES_LEASE_MS"] = LeaseMs.ToString(), ["POD_NAME"] = "proc-a", ["POD_NAMESPACE"] = SyncCluster.LeaseNamespace,
        });
        await SyncCluster.EventuallyAsync(() => Task.FromResult(Holder(c)), h => h == "proc-a", "proc-a holding the lease", 30);
        return (c, leader);
    }

    private static string? Holder(SyncCluster c)
    {
        var lease = c.Api.Resources.Get(c.Api.Kind("coordination.k8s.io/v1", "leases"), SyncCluster.LeaseNamespace, KubernetesObjects.SyncLease);
        return lease.Ok ? (string?)lease.Value!["spec"]?["holderIdentity"] : null;
    }

    [Fact]
    public async Task Failover_LeaderSigkilled_StandbyLeadsWithinLeaseAndRetry()
    {
        var (c, leader) = await StartLeaderProcessAsync();
        await using var cluster = c;
        await using var process = leader;
        var standby = await c.StartSiloAsync("silo-b", LeaseMs);
        await SyncCluster.EventuallyAsync(() => SyncCluster.StatusAsync(standby), s => s.Holder == "proc-a", "silo-b seeing proc-a lead");

        var clock = Stopwatch.StartNew();
        await leader.KillAsync();
        await SyncCluster.EventuallyAsync(() => SyncCluster.StatusAsync(standby), s => s.Leader, "silo-b leading after SIGKILL", 20);
        output.WriteLine($"failover after SIGKILL: {clock.Elapsed.TotalMilliseconds:F0} ms (lease {LeaseMs} ms + retry {LeaseMs / 4} ms)");
        Assert.Equal("silo-b", Holder(c));
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(3 * LeaseMs), $"failover took {clock.Elapsed}");
        await SyncCluster.EventuallyAsync(() => SyncCluster.GetAsync(standby, "shop", "Service", "books"), r => r is not null, "books synced by silo-b");
    }

    [Fact]
    public async Task Failover_LeaderSigterm_ReleasesTheLeaseBeforeItExits()
    {
        var (c, leader) = await StartLeaderProcessAsync();
        await using var cluster = c;
        await using var process = leader;
        Assert.Equal(0, await leader.TerminateAsync(TimeSpan.FromSeconds(30)));
        // Without the release the holder would still be proc-a for a whole lease after its last renewal.
        Assert.Equal("", Holder(c));
        var standby = await c.StartSiloAsync("silo-b", LeaseMs);
        var clock = Stopwatch.StartNew();
        await SyncCluster.EventuallyAsync(() => SyncCluster.StatusAsync(standby), s => s.Leader, "silo-b leading after SIGTERM");
        output.WriteLine($"takeover of a released lease: {clock.Elapsed.TotalMilliseconds:F0} ms");
    }
}
