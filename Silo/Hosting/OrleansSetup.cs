using System.Net;
using Mesh.Abstractions;
using Mesh.Silo.Storage;
using Orleans.Configuration;
using Orleans.Storage;
using StackExchange.Redis;

namespace Mesh.Silo.Hosting;

/// <summary>Orleans configuration: localhost clustering + SQLite storage under the data dir by default (memory with
/// --ephemeral), Redis clustering + storage with fast failure detection when MESH_REDIS is set; memory streams with a
/// short pulling period either way.</summary>
internal static class OrleansSetup
{
    public static void Configure(ISiloBuilder silo, SiloSettings settings)
    {
        // Before ClusterOptions: the package's own ClusterOptions defaults (ORLEANS_CLUSTER_ID) must not win over ours.
        if (settings.KubernetesHosting) UseKubernetesHosting(silo, settings);
        silo.Configure<ClusterOptions>(o => { o.ClusterId = settings.ClusterId; o.ServiceId = settings.ServiceId; });
        UseOrleansStorageSerializer(silo);
        if (settings.Redis is null)
        {
            silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort,
                new IPEndPoint(IPAddress.Loopback, settings.SiloPort), settings.ServiceId, settings.ClusterId);
            if (settings.Ephemeral)
            {
                silo.AddMemoryGrainStorage(MeshNames.StateStore);
                silo.AddMemoryGrainStorage(MeshNames.PubSubStore);
            }
            else
            {
                // Opened here, before anything listens: a locked or damaged file stops the start with its own message.
                UseLocalStateStore(silo, settings.StatePath, settings.LockPath);
            }
        }
        else
        {
            var redis = settings.Redis;
            silo.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis));
            silo.ConfigureEndpoints(settings.AdvertisedAddress, settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: false);
            silo.AddRedisGrainStorage(MeshNames.StateStore, o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis));
            // Subscriptions must outlive a silo, or a watcher's stream stops when the silo holding pubsub state dies.
            silo.AddRedisGrainStorage(MeshNames.PubSubStore, o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis));
            // Measured here: defaults took 14–31 s to evict a killed silo; these take ~2 s.
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
            });
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5));
        }
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, CatalogWakeup>();
        silo.AddMemoryStreams(MeshNames.StreamProvider, b =>
            b.ConfigurePullingAgent(ob => ob.Configure(o => o.GetQueueMsgsTimerPeriod = settings.StreamPollPeriod)));
    }

    /// <summary>Orleans' Kubernetes hosting: the silo is named after its pod (POD_NAME), labels the pod
    /// <c>orleans/serviceId</c> + <c>orleans/clusterId</c>, and watches the pods so labelled in POD_NAMESPACE — a deleted
    /// pod's silo is declared dead in the membership table (it then stops itself), and at start a silo whose pod is gone
    /// is too. The package's API client is the silo's own (MESH_KUBECONFIG or the in-cluster config).</summary>
    private static void UseKubernetesHosting(ISiloBuilder silo, SiloSettings settings)
    {
        silo.UseKubernetesHosting(options => options.Configure(o => o.GetClientConfiguration = () => Identity.KubernetesApi.Configuration(settings)));
        // The package listens on 0.0.0.0 unless told otherwise; the advertised POD_IP is the one address peers use.
        silo.Configure<EndpointOptions>(o =>
        {
            o.SiloListeningEndpoint = new IPEndPoint(settings.AdvertisedAddress, settings.SiloPort);
            o.GatewayListeningEndpoint = new IPEndPoint(settings.AdvertisedAddress, settings.GatewayPort);
        });
    }

    /// <summary>Grain state and stream subscriptions (which must outlive a restart too, or watchers' streams stay
    /// silent after it) in one SQLite file; <paramref name="lockPath"/> keeps a second silo off the same data dir.</summary>
    public static void UseLocalStateStore(ISiloBuilder silo, string statePath, string? lockPath)
    {
        var store = LocalStateStore.Open(statePath, lockPath);
        // A factory, so the container disposes it (closes the file, drops the lock); resolved at start as a lifecycle
        // participant, so that happens even if no grain ever touched storage.
        silo.Services.AddSingleton(_ => store);
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<LocalStateStore>());
        silo.AddSqliteGrainStorage(MeshNames.StateStore);
        silo.AddSqliteGrainStorage(MeshNames.PubSubStore);
    }

    /// <summary>Stores grain state with the Orleans serializer. The default (Newtonsoft JSON) cannot read back the
    /// ImmutableDictionary inside our state records, so a reactivated grain would fail to load.</summary>
    public static void UseOrleansStorageSerializer(ISiloBuilder silo) =>
        silo.Services.AddSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>();
}
