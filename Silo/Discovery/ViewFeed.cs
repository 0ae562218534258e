using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Orleans.Streams;

namespace Mesh.Silo.Discovery;

/// <summary>A change a feed hands to its listeners: the grain's whole new value. Resync: versions were missed, so the
/// listener should send its watcher a fresh snapshot rather than a delta.</summary>
public readonly record struct FeedChange(FeedKind Kind, object? Value, long Version, bool Resync)
{
    /// <summary>Which part of a watch the change belongs to (<see cref="PeriodListener"/>); 0 when untagged.</summary>
    public int Period { get; init; }
}

/// <summary>Tags the changes of the feeds one part of a watch subscribed to, so that a watch which moved on (a ClusterIP
/// now naming another Service) can tell the old feeds' late changes in its queue from the new ones.</summary>
internal sealed class PeriodListener(IFeedListener inner, int period) : IFeedListener
{
    public void OnChanged(FeedChange change) => inner.OnChanged(change with { Period = period });
}

/// <summary>ConsumerProfile: the GAMMA consumer routes the watcher's namespace attaches to the service; Address: who
/// serves an address (a workload, or a Service by its cluster IP); Exports: the cluster's exported-Service index (federation).</summary>
public enum FeedKind { Service, EndpointSet, Profile, Inbound, ConsumerProfile, Address, Exports }

/// <summary>Receives feed changes. Must not block: implementations only try to enqueue.</summary>
public interface IFeedListener
{
    void OnChanged(FeedChange change);
}

/// <summary>What a feed does with one stream item: take the value it yields, ignore it (a duplicate, or older than the
/// value held), or treat it as a gap (versions were missed: re-read the grain).</summary>
internal enum FeedStep { Take, Ignore, Gap }

/// <summary>How a feed reads its stream's items. <see cref="Whole{T}"/>: each item is the grain's whole value; the
/// endpoint-set stream carries deltas (<see cref="EndpointSetChange"/>) applied to the value held.</summary>
internal static class FeedItems
{
    public static (FeedStep, Versioned<T>?) Whole<T>(Versioned<T> item, Versioned<T>? latest) =>
        latest is null || item.Version == latest.Version + 1 ? (FeedStep.Take, (Versioned<T>?)item)
        : item.Version <= latest.Version ? (FeedStep.Ignore, null)
        : (FeedStep.Gap, null);

    /// <summary>A whole set newer than the one held is taken as it is; a delta only on top of exactly the version before
    /// it (and only when it applies): anything else is a gap, so the feed never holds a set the grain never had.</summary>
    public static (FeedStep, Versioned<EndpointSetView>?) EndpointChange(EndpointSetChange item, Versioned<EndpointSetView>? latest)
    {
        if (latest is not null && item.Version <= latest.Version) return (FeedStep.Ignore, null);
        if (item.Snapshot is { } whole) return (FeedStep.Take, new Versioned<EndpointSetView>(item.Version, whole));
        if (latest is null || item.Version != latest.Version + 1 || item.ApplyTo(latest.Value) is not { } next) return (FeedStep.Gap, null);
        TranslationMemo.Derived(next, latest.Value, item);
        return (FeedStep.Take, new Versioned<EndpointSetView>(item.Version, next));
    }
}

/// <summary>The gateway's single subscription to one grain's stream on this silo, shared by every watcher of that grain.
/// Holds the latest value; fans changes out in memory; on a version gap re-reads the grain and marks a resync.</summary>
/// <typeparam name="TItem">The stream's item type (<see cref="FeedItems"/> says how an item moves the value on).</typeparam>
internal sealed class ViewFeed<T, TItem> : IViewFeed
{
    private readonly object _gate = new();
    private readonly IClusterClient _client;
    private readonly Func<IClusterClient, string, Task<Versioned<T>>> _read;
    private readonly Func<TItem, Versioned<T>?, (FeedStep, Versioned<T>?)> _step;
    private readonly ILogger _logger;
    private IFeedListener[] _listeners = [];
    private Versioned<T>? _latest;
    private readonly FeedSubscribe<TItem> _subscribe;
    private IAsyncDisposable? _handle;
    private long _itemsSinceRefresh;
    // A gap seen before the first read completed (a delta arrived with nothing to apply it to): read again after it.
    private bool _gapBeforeStart;
    private Task? _started;

    public ViewFeed(FeedKind kind, string streamNamespace, string key, IClusterClient client,
        Func<IClusterClient, string, Task<Versioned<T>>> read, Func<TItem, Versioned<T>?, (FeedStep, Versioned<T>?)> step, ILogger logger,
        FeedSubscribe<TItem>? subscribe = null)
    {
        Kind = kind;
        StreamNamespace = streamNamespace;
        Key = key;
        _client = client;
        _subscribe = subscribe ?? ((onNext, _) => FeedStreams.SubscribeAsync(client, streamNamespace, key, onNext, logger));
        _read = read;
        _step = step;
        _logger = logger;
    }

    public FeedKind Kind { get; }
    public string StreamNamespace { get; }
    public string Key { get; }
    /// <summary>Watchers holding this feed; guarded by the registry's lock.</summary>
    public int References { get; set; }

    /// <summary>Subscribes (first caller only), then registers the listener and returns the current value atomically,
    /// so the listener misses nothing between the two.</summary>
    public async Task<Versioned<T>> AttachAsync(IFeedListener listener)
    {
        Task started;
        lock (_gate) started = _started ??= StartAsync();
        await started;
        lock (_gate)
        {
            _listeners = [.. _listeners, listener];
            return _latest!;
        }
    }

    public void Detach(IFeedListener listener)
    {
        lock (_gate) _listeners = _listeners.Where(l => !ReferenceEquals(l, listener)).ToArray();
    }

    private async Task StartAsync()
    {
        await SubscribeAsync();
        Apply(await _read(_client, Key), resync: false);
        bool again;
        lock (_gate) again = _gapBeforeStart;
        // The grain persists a version before publishing it, so this read returns at least the version that gapped.
        if (again) Apply(await _read(_client, Key), resync: false);
    }

    private async Task SubscribeAsync(bool renew = false) => _handle = await _subscribe(OnNextAsync, renew);

    private Task OnNextAsync(TItem item)
    {
        Interlocked.Increment(ref _itemsSinceRefresh);
        lock (_gate)
        {
            var (step, value) = _step(item, _latest);
            if (step == FeedStep.Take)
            {
                Set(value!, resync: false);
                return Task.CompletedTask;
            }
            if (step == FeedStep.Ignore) return Task.CompletedTask;
            if (_latest is null)
            {
                _gapBeforeStart = true;
                return Task.CompletedTask;
            }
        }
        return RefreshAsync();
    }

    /// <summary>Re-reads the grain; a newer version than the one held means updates were missed: resync listeners.
    /// When nothing arrived on the stream since the last refresh but the grain moved on, the subscription is renewed.</summary>
    public async Task RefreshAsync()
    {
        if (_started is null || !_started.IsCompletedSuccessfully) return;
        var current = await _read(_client, Key);
        var missed = Apply(current, resync: true);
        if (missed && Interlocked.Exchange(ref _itemsSinceRefresh, 0) == 0)
        {
            _logger.LogWarning("discovery: {Stream}/{Key} moved to version {Version} without stream items; renewing the subscription",
                StreamNamespace, Key, current.Version);
            var old = _handle;
            await SubscribeAsync(renew: true);
            if (old is not null) await old.DisposeAsync();
        }
        Interlocked.Exchange(ref _itemsSinceRefresh, 0);
    }

    private bool Apply(Versioned<T> value, bool resync)
    {
        lock (_gate)
        {
            if (_latest is not null && value.Version <= _latest.Version) return false;
            Set(value, resync && _latest is not null);
            return true;
        }
    }

    private void Set(Versioned<T> value, bool resync)
    {
        _latest = value;
        var change = new FeedChange(Kind, value.Value, value.Version, resync);
        foreach (var listener in _listeners) listener.OnChanged(change);
    }

    public async ValueTask DisposeAsync()
    {
        if (_started is null) return;
        try { await _started; } catch (Exception) { return; } // never subscribed
        if (_handle is { } handle) await handle.DisposeAsync();
    }
}

/// <summary>Subscribes a feed to the items of its grain: <paramref name="renew"/> when an earlier subscription seems
/// lost (the grain moved on without items). The returned handle unsubscribes, never throws.</summary>
internal delegate Task<IAsyncDisposable> FeedSubscribe<TItem>(Func<TItem, Task> onNext, bool renew);

/// <summary>A feed's own Orleans stream subscription (one stream per grain).</summary>
internal static class FeedStreams
{
    public static async Task<IAsyncDisposable> SubscribeAsync<TItem>(IClusterClient client, string streamNamespace, string key,
        Func<TItem, Task> onNext, ILogger logger)
    {
        var stream = client.GetStreamProvider(Abstractions.MeshNames.StreamProvider).GetStream<TItem>(StreamId.Create(streamNamespace, key));
        var handle = await stream.SubscribeAsync((item, _) => onNext(item));
        return new Handle<TItem>(handle, streamNamespace, key, logger);
    }

    private sealed class Handle<TItem>(StreamSubscriptionHandle<TItem> handle, string streamNamespace, string key, ILogger logger) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try { await handle.UnsubscribeAsync(); }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                logger.LogDebug(e, "discovery: unsubscribe from {Stream}/{Key} failed", streamNamespace, key);
            }
        }
    }
}

/// <summary>Type-erased view of a feed for the registry.</summary>
internal interface IViewFeed : IAsyncDisposable
{
    FeedKind Kind { get; }
    string Key { get; }
    int References { get; set; }
    void Detach(IFeedListener listener);
    Task RefreshAsync();
}
