using Mesh.Abstractions.Grains;
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

/// <summary>The gateway's single subscription to one grain's stream on this silo, shared by every watcher of that grain.
/// Holds the latest value; fans changes out in memory; on a version gap re-reads the grain and marks a resync.</summary>
internal sealed class ViewFeed<T> : IViewFeed
{
    private readonly object _gate = new();
    private readonly IClusterClient _client;
    private readonly Func<IClusterClient, string, Task<Versioned<T>>> _read;
    private readonly ILogger _logger;
    private IFeedListener[] _listeners = [];
    private Versioned<T>? _latest;
    private StreamSubscriptionHandle<Versioned<T>>? _handle;
    private long _itemsSinceRefresh;
    private Task? _started;

    public ViewFeed(FeedKind kind, string streamNamespace, string key, IClusterClient client,
        Func<IClusterClient, string, Task<Versioned<T>>> read, ILogger logger)
    {
        Kind = kind;
        StreamNamespace = streamNamespace;
        Key = key;
        _client = client;
        _read = read;
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
        var current = await _read(_client, Key);
        Apply(current, resync: false);
    }

    private async Task SubscribeAsync()
    {
        var stream = _client.GetStreamProvider(Abstractions.MeshNames.StreamProvider)
            .GetStream<Versioned<T>>(StreamId.Create(StreamNamespace, Key));
        _handle = await stream.SubscribeAsync((item, _) => OnNextAsync(item));
    }

    private Task OnNextAsync(Versioned<T> item)
    {
        Interlocked.Increment(ref _itemsSinceRefresh);
        bool gap;
        lock (_gate)
        {
            if (_latest is null || item.Version == _latest.Version + 1)
            {
                Set(item, resync: false);
                return Task.CompletedTask;
            }
            if (item.Version <= _latest.Version) return Task.CompletedTask; // duplicate or reordered: already have newer
            gap = true;
        }
        return gap ? RefreshAsync() : Task.CompletedTask;
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
            await SubscribeAsync();
            if (old is not null) await UnsubscribeQuietlyAsync(old);
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
        if (_handle is { } handle) await UnsubscribeQuietlyAsync(handle);
    }

    private async Task UnsubscribeQuietlyAsync(StreamSubscriptionHandle<Versioned<T>> handle)
    {
        try { await handle.UnsubscribeAsync(); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LogDebug(e, "discovery: unsubscribe from {Stream}/{Key} failed", StreamNamespace, Key);
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
