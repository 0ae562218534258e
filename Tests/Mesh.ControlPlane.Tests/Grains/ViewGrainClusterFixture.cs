using Mesh.Abstractions;
using Orleans.TestingHost;

namespace Mesh.ControlPlane.Tests.Grains;

/// <summary>A one-silo Orleans test cluster configured like the real silo (memory storage, memory streams, short
/// pulling period); the client gets the same stream provider so tests can subscribe.</summary>
public sealed class ViewGrainClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            Silo.Hosting.OrleansSetup.UseOrleansStorageSerializer(silo);
            silo.AddMemoryGrainStorage(MeshNames.StateStore);
            silo.AddMemoryGrainStorage(MeshNames.PubSubStore);
            silo.AddMemoryStreams(MeshNames.StreamProvider, b =>
                b.ConfigurePullingAgent(ob => ob.Configure(o => o.GetQueueMsgsTimerPeriod = TimeSpan.FromMilliseconds(5))));
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder client) =>
            client.AddMemoryStreams(MeshNames.StreamProvider);
    }
}
