using System.Collections.Immutable;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.Abstractions.Resources;
using Mesh.Grains.State;
using Orleans.Runtime;
using Orleans.Streams;

namespace Mesh.Grains.Views;

/// <summary>Persisted snapshot of a partition grain: every view it holds with its own version, and the sequence of
/// the last write folded in.</summary>
[GenerateSerializer, Alias("mesh.PartitionState`1")]
public sealed record PartitionState<T>
{
    [Id(0)] public long Sequence { get; init; }
    [Id(1)] public ImmutableDictionary<string, Versioned<T>> Views { get; init; } = ImmutableDictionary<string, Versioned<T>>.Empty;
}

/// <summary>Shared body of the partition grains: many small views (a namespace's inbound policies, the cluster's address
/// claims) in one activation instead of one activation, one persisted state and one stream per view. Each view keeps its
/// own version, exactly as a grain of its own would (0 = never set, +1 per change, equal values are no change), so a
/// reader of one view sees the same versions and values as before. A write is persisted as the views it changed
/// (<see cref="ViewPartitionChange{T}"/>, a log beside the snapshot, folded into a new snapshot by a timer off the
/// write path or by a write that would take the log past <see cref="MaxLogWeight"/>), then published on the
/// partition's stream.</summary>
public abstract class PartitionViewGrain<T> : Grain
{
    internal const int MaxLogWeight = SnapshotLog.MaxLogWeight;
    private static readonly TimeSpan CompactionDelay = TimeSpan.FromMilliseconds(200);

    private readonly SnapshotLog<PartitionState<T>, ViewPartitionChange<T>> _store;
    private readonly string _streamNamespace;
    private PartitionState<T> _current = new();
    private IAsyncStream<ViewPartitionChange<T>>? _stream;
    private IGrainTimer? _compaction;
    // A persisted write that has not reached the stream (the publish failed): published again by the next write.
    private ViewPartitionChange<T>? _unpublished;

    protected PartitionViewGrain(IPersistentState<PartitionState<T>> snapshot, IPersistentState<DeltaLog<ViewPartitionChange<T>>> log,
        string streamNamespace)
    {
        _store = new SnapshotLog<PartitionState<T>, ViewPartitionChange<T>>(snapshot, log, streamNamespace, Weight);
        _streamNamespace = streamNamespace;
    }

    /// <summary>The value of a view never set (e.g. a missing policy, an unclaimed address).</summary>
    protected abstract T Initial(string key);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var snapshot = _store.Snapshot ?? new PartitionState<T>();
        _current = Replay(this.GetPrimaryKeyString(), snapshot, _store.Entries);
        _store.Recount(e => e.Sequence > snapshot.Sequence);
        return Task.CompletedTask;
    }

    /// <summary>The snapshot with the logged writes after it applied in order. Writes at or below the snapshot's
    /// sequence are already in it (a crash after the snapshot, before the log was cleared); a gap is a corrupt log.</summary>
    internal static PartitionState<T> Replay(string partition, PartitionState<T> snapshot, IEnumerable<ViewPartitionChange<T>> entries)
    {
        var current = snapshot;
        foreach (var entry in entries)
        {
            if (entry.Sequence <= current.Sequence) continue;
            if (entry.Sequence != current.Sequence + 1)
                throw new InvalidOperationException(
                    $"view partition {partition}: logged write {entry.Sequence} does not follow write {current.Sequence}; the stored log is corrupt");
            current = Apply(current, entry);
        }
        return current;
    }

    private static PartitionState<T> Apply(PartitionState<T> state, ViewPartitionChange<T> change)
    {
        var views = state.Views.ToBuilder();
        foreach (var v in change.Views) views[v.Key] = new Versioned<T>(v.Version, v.Value);
        return new PartitionState<T> { Sequence = change.Sequence, Views = views.ToImmutable() };
    }

    protected Versioned<T> Get(string key) => _current.Views.TryGetValue(key, out var v) ? v : new Versioned<T>(0, Initial(key));

    /// <summary>Sets these views (the last value of a key written twice wins); persists and publishes the ones that changed.</summary>
    protected async Task SetManyAsync(IEnumerable<(string Key, T Value)> views)
    {
        var changed = new Dictionary<string, KeyedView<T>>(StringComparer.Ordinal);
        foreach (var (key, value) in views)
        {
            var current = changed.TryGetValue(key, out var pending) ? new Versioned<T>(pending.Version, pending.Value) : Get(key);
            if (ViewEquality.Equal(current.Value, value)) continue;
            var version = changed.ContainsKey(key) ? current.Version : current.Version + 1;
            changed[key] = new KeyedView<T>(key, version, value);
        }
        if (_unpublished is { } again) await PublishAsync(again);
        if (changed.Count == 0) return;

        var change = new ViewPartitionChange<T>(_current.Sequence + 1, [.. changed.Values.OrderBy(v => v.Key, StringComparer.Ordinal)]);
        var next = Apply(_current, change);
        var foldDue = await _store.CommitAsync(change, next);
        _current = next;
        if (foldDue)
            _compaction ??= this.RegisterGrainTimer(CompactAsync, new GrainTimerCreationOptions(CompactionDelay, Timeout.InfiniteTimeSpan));

        _unpublished = change;
        await PublishAsync(change);
    }

    private async Task CompactAsync(CancellationToken cancellationToken)
    {
        _compaction?.Dispose();
        _compaction = null;
        await _store.FoldAsync(_current);
    }

    /// <summary>What a logged write costs each later log write: its views.</summary>
    private static int Weight(ViewPartitionChange<T> c) => 1 + c.Views.Length;

    private async Task PublishAsync(ViewPartitionChange<T> change)
    {
        _stream ??= this.GetStreamProvider(MeshNames.StreamProvider)
            .GetStream<ViewPartitionChange<T>>(StreamId.Create(_streamNamespace, this.GetPrimaryKeyString()));
        await _stream.OnNextAsync(change);
        _unpublished = null;
    }
}
