using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.Abstractions.Resources;
using Mesh.Grains.State;
using Orleans.Runtime;
using Orleans.Streams;

namespace Mesh.Grains.Views;

/// <summary>The workloads behind one Service; never set = empty. A change is published and persisted as a delta
/// (<see cref="EndpointSetChange"/>: the endpoints upserted and removed), so one pod changing in a Service of 2,000
/// costs one endpoint on the stream and in storage, not 2,000. Storage holds a snapshot ("state", the form every view
/// grain has) and a log of the deltas since ("log"); the log is folded into a new snapshot once it holds
/// <see cref="CompactAfter"/> endpoints, off the write path (a timer), or by the write that would take it past
/// <see cref="MaxLogWeight"/> (a change of most of the set is a snapshot anyway).</summary>
public sealed class EndpointSetGrain(
    [PersistentState("state", MeshNames.StateStore)] IPersistentState<ViewState<EndpointSetView>> snapshot,
    [PersistentState("log", MeshNames.StateStore)] IPersistentState<DeltaLog<EndpointSetChange>> log)
    : Grain, IEndpointSetGrain
{
    internal const int CompactAfter = SnapshotLog.CompactAfter, MaxLogWeight = SnapshotLog.MaxLogWeight;
    private static readonly TimeSpan CompactionDelay = TimeSpan.FromMilliseconds(200);

    private readonly SnapshotLog<ViewState<EndpointSetView>, EndpointSetChange> _store = new(snapshot, log, "endpointset", Weight);
    private Versioned<EndpointSetView> _current = null!;
    private IAsyncStream<EndpointSetChange>? _stream;
    private IGrainTimer? _compaction;
    // Set while a persisted version has not reached the stream (the publish failed): the next Set, even of an equal
    // value, publishes the whole set so watchers are not left behind.
    private bool _unpublished;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var (ns, name) = MeshNames.SplitKey(this.GetPrimaryKeyString());
        _current = Replay(_store.Snapshot, _store.Entries, EndpointSetView.Empty(ns, name));
        _store.Recount(e => e.Version > _store.Snapshot.Version);
        return Task.CompletedTask;
    }

    /// <summary>The snapshot with the logged changes after it applied in version order. Entries at or below the
    /// snapshot's version are already in it (a crash after the snapshot, before the log was cleared).</summary>
    internal static Versioned<EndpointSetView> Replay(ViewState<EndpointSetView> snapshot, IEnumerable<EndpointSetChange> entries, EndpointSetView empty)
    {
        var current = new Versioned<EndpointSetView>(snapshot.Version, snapshot.Version == 0 ? empty : snapshot.Value!);
        foreach (var entry in entries)
        {
            if (entry.Version <= current.Version) continue;
            if (entry.Version != current.Version + 1 || entry.ApplyTo(current.Value) is not { } next)
                throw new InvalidOperationException(
                    $"endpoint set {empty.Namespace}/{empty.Service}: logged change {entry.Version} does not follow version {current.Version}; the stored log is corrupt");
            current = new Versioned<EndpointSetView>(entry.Version, next);
        }
        return current;
    }

    public Task<Versioned<EndpointSetView>> GetAsync() => Task.FromResult(_current);

    public async Task<long> SetAsync(EndpointSetView view)
    {
        if (ViewEquality.Equal(_current.Value, view))
        {
            if (_unpublished) await PublishAsync(EndpointSetChange.Whole(_current.Version, _current.Value));
            return _current.Version;
        }

        var next = new Versioned<EndpointSetView>(_current.Version + 1, view);
        var change = EndpointSetChange.Between(next.Version, _current.Value, view);
        var foldDue = await _store.CommitAsync(change, new ViewState<EndpointSetView> { Version = next.Version, Value = view },
            snapshotOnly: change.Snapshot is not null);
        _current = next;
        if (foldDue) ScheduleCompaction();

        _unpublished = true;
        await PublishAsync(change);
        return next.Version;
    }

    private void ScheduleCompaction() =>
        _compaction ??= this.RegisterGrainTimer(CompactAsync, new GrainTimerCreationOptions(CompactionDelay, Timeout.InfiniteTimeSpan));

    private async Task CompactAsync(CancellationToken cancellationToken)
    {
        _compaction?.Dispose();
        _compaction = null;
        await _store.FoldAsync(new ViewState<EndpointSetView> { Version = _current.Version, Value = _current.Value });
    }

    /// <summary>What a logged change costs each later log write: its endpoints.</summary>
    private static int Weight(EndpointSetChange c) => 1 + c.Upserts.Length + c.Removals.Length;

    private async Task PublishAsync(EndpointSetChange change)
    {
        _stream ??= this.GetStreamProvider(MeshNames.StreamProvider)
            .GetStream<EndpointSetChange>(StreamId.Create(MeshStreams.EndpointSets, this.GetPrimaryKeyString()));
        await _stream.OnNextAsync(change);
        _unpublished = false;
    }
}
