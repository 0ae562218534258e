using System.Collections;
using Mesh.Silo.Hosting;

namespace Mesh.Kubernetes.Tests.Sync;

/// <summary>`GET /api/v1/kubernetes/sync` on a local-mode silo: typed, and says the sync is off.</summary>
public sealed class SyncStatusEndpointTests
{
    [Fact]
    public async Task Status_LocalMode_NotEnabled()
    {
        var dir = Directory.CreateTempSubdirectory("mesh-sync-local-").FullName;
        try
        {
            await using var silo = await SiloHost.StartAsync(SiloSettingsLoader.Load(
                ["--admin", "127.0.0.1:0", "--control", "127.0.0.1:0", "--data-dir", dir, "--ephemeral"], new Hashtable { ["MESH_LOG_LEVEL"] = "Error" }));
            var status = await SyncCluster.StatusAsync(silo);
            Assert.False(status.Enabled);
            Assert.False(status.Leader);
            Assert.Empty(status.Kinds);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
