using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.Silo.Hosting;

namespace Mesh.Silo.Discovery;

/// <summary>Registry of shared feeds: one per (kind, grain key) on this silo, reference-counted — created by the first
/// watcher, unsubscribed when the last one leaves — and re-read every <see cref="SiloSettings.ResyncPeriod"/> to heal
/// lost subscriptions.</summary>
public sealed class ViewFeeds(IClusterClient client, DiscoveryMetrics metrics, SiloSettings settings, PartitionStreams partitions, ILogger<ViewFeeds> logger)
    : BackgroundService
{
    private readonly Dictionary<(FeedKind, string), IViewFeed> _feeds = new();

    /// <summary>A lease on a feed; dispose it to release. Value = the current state when attached.</summary>
    public sealed class Lease<T> : IAsyncDisposable
    {
        private readonly ViewFeeds _owner;
        private readonly IViewFeed _feed;
        private readonly IFeedListener _listener;

        internal Lease(ViewFeeds owner, IViewFeed feed, IFeedListener listener, Versioned<T> initial)
        {
            (_owner, _feed, _listener, Initial) = (owner, feed, listener, initial);
        }

        public Versioned<T> Initial { get; }
        public ValueTask DisposeAsync() => _owner.ReleaseAsync(_feed, _listener);
    }

    public Task<Lease<ServiceView?>> ServiceAsync(string key, IFeedListener listener) =>
        AcquireAsync<ServiceView?>(FeedKind.Service, MeshStreams.Services, key, listener, (c, k) => c.GetGrain<IServiceGrain>(k).GetAsync());

    public Task<Lease<EndpointSetView>> EndpointsAsync(string key, IFeedListener listener) =>
        AcquireAsync<EndpointSetView, EndpointSetChange>(FeedKind.EndpointSet, MeshStreams.EndpointSets, key, listener,
            (c, k) => c.GetGrain<IEndpointSetGrain>(k).GetAsync(), FeedItems.EndpointChange);

    public Task<Lease<ProfileView>> ProfileAsync(string key, IFeedListener listener) =>
        AcquireAsync<ProfileView>(FeedKind.Profile, MeshStreams.Profiles, key, listener, (c, k) => c.GetGrain<IProfileGrain>(k).GetAsync());

    /// <summary>The consumer routes one namespace attaches to a Service (<paramref name="consumerKey"/>: <see cref="Abstractions.MeshNames.ConsumerKey"/>).</summary>
    public Task<Lease<ProfileView>> ConsumerProfileAsync(string consumerKey, IFeedListener listener) =>
        AcquireAsync<ProfileView>(FeedKind.ConsumerProfile, MeshStreams.Profiles, consumerKey, listener, (c, k) => c.GetGrain<IProfileGrain>(k).GetAsync());

    /// <summary>Who serves one workload address (<paramref name="key"/>: <see cref="Abstractions.MeshNames.AddressKey"/>).</summary>
    public Task<Lease<AddressView>> AddressAsync(string key, IFeedListener listener) =>
        AcquirePartitionedAsync<AddressView>(FeedKind.Address, MeshStreams.AddressPartitions, MeshNames.AddressPartition(key), key, listener,
            (c, k) => c.GetGrain<IAddressesGrain>(MeshNames.AddressPartition(k)).GetAsync(k));

    /// <summary>The cluster's exported-Service index (<see cref="IExportDirectoryGrain"/>), for the federation API.</summary>
    public Task<Lease<ExportDirectoryView>> ExportsAsync(IFeedListener listener) =>
        AcquireAsync<ExportDirectoryView>(FeedKind.Exports, MeshStreams.Exports, IExportDirectoryGrain.Key, listener, (c, k) => c.GetGrain<IExportDirectoryGrain>(k).GetAsync());

    public Task<Lease<InboundPolicyView>> InboundAsync(string key, IFeedListener listener) =>
        AcquirePartitionedAsync<InboundPolicyView>(FeedKind.Inbound, MeshStreams.InboundPartitions, InboundPartition(key), key, listener,
            (c, k) => c.GetGrain<IInboundPoliciesGrain>(InboundPartition(k)).GetAsync(MeshNames.SplitKey(k).Name));

    private static string InboundPartition(string key)
    {
        var (ns, workload) = MeshNames.SplitKey(key);
        return MeshNames.InboundPartition(ns, workload);
    }

    /// <summary>A view held by a partition grain: its feed's items come from the partition's shared subscription.</summary>
    private Task<Lease<T>> AcquirePartitionedAsync<T>(FeedKind kind, string streamNamespace, string partition, string key, IFeedListener listener,
        Func<IClusterClient, string, Task<Versioned<T>>> read) =>
        AcquireAsync<T, Versioned<T>>(kind, streamNamespace, key, listener, read, FeedItems.Whole,
            (onNext, renew) => partitions.SubscribeAsync(streamNamespace, partition, key, onNext, renew));

    private Task<Lease<T>> AcquireAsync<T>(FeedKind kind, string streamNamespace, string key, IFeedListener listener,
        Func<IClusterClient, string, Task<Versioned<T>>> read) =>
        AcquireAsync<T, Versioned<T>>(kind, streamNamespace, key, listener, read, FeedItems.Whole);

    private async Task<Lease<T>> AcquireAsync<T, TItem>(FeedKind kind, string streamNamespace, string key, IFeedListener listener,
        Func<IClusterClient, string, Task<Versioned<T>>> read, Func<TItem, Versioned<T>?, (FeedStep, Versioned<T>?)> step,
        FeedSubscribe<TItem>? subscribe = null)
    {
        ViewFeed<T, TItem> feed;
        lock (_feeds)
        {
            if (!_feeds.TryGetValue((kind, key), out var existing))
            {
                existing = new ViewFeed<T, TItem>(kind, streamNamespace, key, client, read, step, logger, subscribe);
                _feeds[(kind, key)] = existing;
                metrics.SubscriptionOpened();
            }
            existing.References++;
            feed = (ViewFeed<T, TItem>)existing;
        }
        try
        {
            var initial = await feed.AttachAsync(listener);
            return new Lease<T>(this, feed, listener, initial);
        }
        catch
        {
            await ReleaseAsync(feed, listener);
            throw;
        }
    }

    private async ValueTask ReleaseAsync(IViewFeed feed, IFeedListener listener)
    {
        feed.Detach(listener);
        var last = false;
        lock (_feeds)
        {
            if (--feed.References == 0 && _feeds.TryGetValue((feed.Kind, feed.Key), out var current) && ReferenceEquals(current, feed))
            {
                _feeds.Remove((feed.Kind, feed.Key));
                metrics.SubscriptionClosed();
                last = true;
            }
        }
        if (last) await feed.DisposeAsync();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.ResyncPeriod);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            IViewFeed[] feeds;
            lock (_feeds) feeds = _feeds.Values.ToArray();
            foreach (var feed in feeds)
            {
                try { await feed.RefreshAsync(); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "discovery: re-reading {Kind} {Key} failed; will retry", feed.Kind, feed.Key);
                }
            }
        }
    }
}
