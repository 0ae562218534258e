using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Orleans.Streams;

namespace Mesh.Silo.Discovery;

/// <summary>The gateway's subscriptions to partition grains' streams (<see cref="ViewPartitionChange{T}"/>): one
/// Orleans subscription per partition on this silo, shared by the feeds of every view in it, each handed only its own
/// view's items (as <see cref="Versioned{T}"/>, what a grain of its own would have published). Reference-counted:
/// unsubscribed when the last feed of the partition leaves.</summary>
public sealed class PartitionStreams(IClusterClient client, ILogger<PartitionStreams> logger)
{
    private readonly Dictionary<(string Stream, string Partition), IPartition> _partitions = new();

    /// <summary>Subscribes <paramref name="onNext"/> to view <paramref name="key"/> of partition
    /// <paramref name="partition"/>; <paramref name="renew"/> renews the partition's Orleans subscription too (a feed
    /// found its grain moved on without items).</summary>
    internal async Task<IAsyncDisposable> SubscribeAsync<T>(string streamNamespace, string partition, string key,
        Func<Versioned<T>, Task> onNext, bool renew)
    {
        Partition<T> p;
        lock (_partitions)
        {
            if (!_partitions.TryGetValue((streamNamespace, partition), out var existing))
                _partitions[(streamNamespace, partition)] = existing = new Partition<T>(this, streamNamespace, partition);
            p = (Partition<T>)existing;
            p.References++;
        }
        var target = new Target<T>(p, key, onNext);
        try
        {
            await p.AddAsync(target, renew);
            return target;
        }
        catch
        {
            await ReleaseAsync(p, target);
            throw;
        }
    }

    /// <summary>Partitions with a subscription on this silo (for tests and diagnostics).</summary>
    internal int Count
    {
        get { lock (_partitions) return _partitions.Count; }
    }

    private async ValueTask ReleaseAsync<T>(Partition<T> p, Target<T> target)
    {
        p.Remove(target);
        var last = false;
        lock (_partitions)
        {
            if (--p.References == 0 && _partitions.TryGetValue((p.StreamNamespace, p.Key), out var current) && ReferenceEquals(current, p))
            {
                _partitions.Remove((p.StreamNamespace, p.Key));
                last = true;
            }
        }
        if (last) await p.UnsubscribeAsync();
    }

    private interface IPartition
    {
        int References { get; set; }
    }

    private sealed class Target<T>(Partition<T> partition, string key, Func<Versioned<T>, Task> onNext) : IAsyncDisposable
    {
        private int _disposed;
        public string Key => key;
        public Task OnNextAsync(Versioned<T> item) => onNext(item);

        public ValueTask DisposeAsync() =>
            Interlocked.Exchange(ref _disposed, 1) == 0 ? partition.Owner.ReleaseAsync(partition, this) : ValueTask.CompletedTask;
    }

    private sealed class Partition<T>(PartitionStreams owner, string streamNamespace, string key) : IPartition
    {
        private readonly object _gate = new();
        private readonly Dictionary<string, Target<T>[]> _targets = new(StringComparer.Ordinal);
        private Task<StreamSubscriptionHandle<ViewPartitionChange<T>>>? _handle;

        public PartitionStreams Owner => owner;
        public string StreamNamespace => streamNamespace;
        public string Key => key;
        /// <summary>Guarded by the owner's lock.</summary>
        public int References { get; set; }

        public async Task AddAsync(Target<T> target, bool renew)
        {
            Task<StreamSubscriptionHandle<ViewPartitionChange<T>>> handle;
            Task<StreamSubscriptionHandle<ViewPartitionChange<T>>>? old = null;
            lock (_gate)
            {
                _targets[target.Key] = _targets.TryGetValue(target.Key, out var list) ? [.. list, target] : [target];
                if (_handle is null || _handle.IsFaulted || _handle.IsCanceled || renew)
                {
                    old = _handle;
                    _handle = SubscribeAsync();
                }
                handle = _handle;
            }
            await handle;
            if (old is { IsCompletedSuccessfully: true }) await UnsubscribeQuietlyAsync(old.Result);
        }

        public void Remove(Target<T> target)
        {
            lock (_gate)
            {
                if (!_targets.TryGetValue(target.Key, out var list)) return;
                var rest = list.Where(t => !ReferenceEquals(t, target)).ToArray();
                if (rest.Length == 0) _targets.Remove(target.Key);
                else _targets[target.Key] = rest;
            }
        }

        private Task<StreamSubscriptionHandle<ViewPartitionChange<T>>> SubscribeAsync() =>
            owner._client.GetStreamProvider(Abstractions.MeshNames.StreamProvider)
                .GetStream<ViewPartitionChange<T>>(StreamId.Create(streamNamespace, key))
                .SubscribeAsync((change, _) => OnNextAsync(change));

        private async Task OnNextAsync(ViewPartitionChange<T> change)
        {
            foreach (var view in change.Views)
            {
                Target<T>[]? targets;
                lock (_gate) _targets.TryGetValue(view.Key, out targets);
                if (targets is null) continue;
                var item = new Versioned<T>(view.Version, view.Value);
                foreach (var t in targets) await t.OnNextAsync(item);
            }
        }

        public async Task UnsubscribeAsync()
        {
            Task<StreamSubscriptionHandle<ViewPartitionChange<T>>>? handle;
            lock (_gate)
            {
                handle = _handle;
                _handle = null;
            }
            if (handle is null) return;
            try { await UnsubscribeQuietlyAsync(await handle); }
            catch (Exception e) when (e is not OutOfMemoryException) { } // never subscribed
        }

        private async Task UnsubscribeQuietlyAsync(StreamSubscriptionHandle<ViewPartitionChange<T>> handle)
        {
            try { await handle.UnsubscribeAsync(); }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                owner._logger.LogDebug(e, "discovery: unsubscribe from {Stream}/{Key} failed", streamNamespace, key);
            }
        }
    }

    private readonly IClusterClient _client = client;
    private readonly ILogger _logger = logger;
}
