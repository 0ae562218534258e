using Mesh.Abstractions;
using Orleans.TestingHost;

namespace Mesh.ControlPlane.Tests.Storage;

/// <summary>A one-silo Orleans test cluster with the local silo's SQLite storage (OrleansSetup.UseLocalStateStore) on a
/// file of its own; <see cref="RestartAsync"/> stops the whole cluster and deploys a new one on the same file, as a
/// restarted `mesh silo` would.</summary>
public sealed class SqliteCluster : IAsyncDisposable
{
    private const string PathKey = "MeshTestStatePath";

    private SqliteCluster(string dir) => Dir = dir;

    public string Dir { get; }
    public string StatePath => Path.Combine(Dir, "state.db");
    public TestCluster Cluster { get; private set; } = null!;
    public IGrainFactory Grains => Cluster.GrainFactory;
    public IServiceProvider SiloServices => ((InProcessSiloHandle)Cluster.Primary!).SiloHost!.Services;

    public static async Task<SqliteCluster> StartAsync()
    {
        var cluster = new SqliteCluster(Directory.CreateTempSubdirectory("mesh-sqlite-test-").FullName);
        await cluster.DeployAsync();
        return cluster;
    }

    private async Task DeployAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.Properties[PathKey] = StatePath;
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task RestartAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        await DeployAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        Directory.Delete(Dir, recursive: true);
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            var path = silo.Configuration[PathKey]!;
            Silo.Hosting.OrleansSetup.UseOrleansStorageSerializer(silo);
            Silo.Hosting.OrleansSetup.UseLocalStateStore(silo, path, Path.Combine(Path.GetDirectoryName(path)!, "silo.lock"));
            silo.AddMemoryStreams(MeshNames.StreamProvider, b =>
                b.ConfigurePullingAgent(ob => ob.Configure(o => o.GetQueueMsgsTimerPeriod = TimeSpan.FromMilliseconds(5))));
        }
    }
}
