using System.Collections.Immutable;
using Mesh.Abstractions.Grains;
using Mesh.Grains.Catalog;

namespace Mesh.Silo.Kubernetes.Sync;

/// <summary>The leader was replaced: the catalog refused a write as stale (a newer term wrote there).</summary>
internal sealed class DeposedException(string message) : Exception(message);

/// <summary>The one path from the sync into the catalog: changes from every kind's loop are coalesced per namespace
/// (the last change of a key wins) and written by one pump, so a burst of events is one <see cref="ICatalogGrain.WriteAsync"/>
/// per namespace, and each write carries the next epoch of this leader's term, in the order the writes are sent.
/// A write that fails is put back (unless a newer change of the same key arrived) and retried with backoff; a stale
/// epoch means another silo leads now and ends the term. Thread-safe: the loops only <see cref="Put"/>.</summary>
internal sealed partial class CatalogSink(IGrainFactory grains, SyncEpoch epoch, SyncStatusBoard board, ILogger logger, TimeProvider time, TimeSpan coalesce)
{
    private readonly Dictionary<string, Dictionary<ResourceKey, StoredResource?>> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _signal = new(0);
    private long _writes;

    /// <summary>Catalog writes sent so far (each one namespace's batch).</summary>
    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>Queues an upsert (<paramref name="upsert"/> set) or a delete of <paramref name="key"/> in <paramref name="ns"/>.</summary>
    public void Put(string ns, ResourceKey key, StoredResource? upsert)
    {
        lock (_pending)
        {
            if (!_pending.TryGetValue(ns, out var changes)) _pending[ns] = changes = [];
            changes[key] = upsert;
        }
        _signal.Release();
    }

    /// <summary>Keys of <paramref name="kind"/> queued and not yet written (a relist deletes those it no longer lists).</summary>
    public IReadOnlyList<(string Ns, ResourceKey Key)> Pending(string kind)
    {
        lock (_pending)
            return [.. _pending.SelectMany(p => p.Value.Keys.Where(k => k.Kind == kind).Select(k => (p.Key, k)))];
    }

    /// <summary>Stamps this term's epoch on every namespace the catalog knows, before the first change: from then on a
    /// deposed leader's write anywhere is refused, even where this term has nothing to change.</summary>
    public async Task FenceAsync(CancellationToken ct)
    {
        foreach (var ns in await grains.GetGrain<INamespaceDirectoryGrain>(NamespaceDirectoryGrain.Key).ListAsync())
        {
            ct.ThrowIfCancellationRequested();
            var result = await grains.GetGrain<ICatalogGrain>(ns).WriteAsync(new CatalogBatch(ResourceSources.Kubernetes, epoch.Next(), [], []));
            if (result.Status == CatalogWriteStatus.StaleEpoch) throw new DeposedException($"namespace {ns}: {result.Error}");
        }
    }

    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));
        while (true)
        {
            await _signal.WaitAsync(ct);
            if (coalesce > TimeSpan.Zero) await Task.Delay(coalesce, time, ct);
            while (_signal.CurrentCount > 0) _signal.Wait(0);
            List<(string Ns, Dictionary<ResourceKey, StoredResource?> Changes)> batches;
            lock (_pending)
            {
                batches = [.. _pending.Select(p => (p.Key, p.Value))];
                _pending.Clear();
            }
            foreach (var (ns, changes) in batches)
            {
                try
                {
                    await WriteAsync(ns, changes);
                    backoff.Reset();
                }
                catch (Exception e) when (e is not (DeposedException or OperationCanceledException))
                {
                    board.Error($"catalog of namespace {ns}: {e.Message}; retrying");
                    Log.WriteFailed(logger, ns, e);
                    Requeue(ns, changes);
                    await backoff.DelayAsync(time, ct);
                }
            }
        }
    }

    private async Task WriteAsync(string ns, Dictionary<ResourceKey, StoredResource?> changes)
    {
        while (changes.Count > 0)
        {
            var batch = new CatalogBatch(ResourceSources.Kubernetes, epoch.Next(),
                [.. changes.Values.OfType<StoredResource>()], [.. changes.Where(c => c.Value is null).Select(c => c.Key)]);
            Interlocked.Increment(ref _writes);
            var result = await grains.GetGrain<ICatalogGrain>(ns).WriteAsync(batch);
            switch (result.Status)
            {
                case CatalogWriteStatus.Applied or CatalogWriteStatus.Repeated:
                    return;
                case CatalogWriteStatus.StaleEpoch:
                    throw new DeposedException($"namespace {ns}: {result.Error}");
                case CatalogWriteStatus.Conflict when result.Key is { } key && changes.Remove(key):
                    // `mesh apply` owns that resource: the cluster's object does not replace it; the rest is written.
                    board.Error($"{key.Kind} {key.Name}.{ns}: {result.Error}");
                    Log.Conflict(logger, key.ToString(), ns, result.Error ?? "");
                    continue;
                default:
                    board.Error($"catalog of namespace {ns} refused the sync's batch: {result.Error}");
                    Log.Refused(logger, ns, result.Error ?? result.Status.ToString());
                    return;
            }
        }
    }

    private void Requeue(string ns, Dictionary<ResourceKey, StoredResource?> changes)
    {
        lock (_pending)
        {
            if (!_pending.TryGetValue(ns, out var newer)) _pending[ns] = newer = [];
            foreach (var (key, value) in changes) newer.TryAdd(key, value);
        }
        _signal.Release();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 7301, Level = LogLevel.Warning, Message = "Kubernetes sync: writing namespace {Namespace} failed; retrying")]
        public static partial void WriteFailed(ILogger logger, string @namespace, Exception e);

        [LoggerMessage(EventId = 7302, Level = LogLevel.Warning, Message = "Kubernetes sync: {Key} in {Namespace} not synced: {Error}")]
        public static partial void Conflict(ILogger logger, string key, string @namespace, string error);

        [LoggerMessage(EventId = 7303, Level = LogLevel.Error, Message = "Kubernetes sync: the catalog of {Namespace} refused a batch: {Error}")]
        public static partial void Refused(ILogger logger, string @namespace, string error);
    }
}
