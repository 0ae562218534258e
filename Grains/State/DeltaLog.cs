using System.Collections.Immutable;

namespace Mesh.Grains.State;

/// <summary>Persisted changes made since a grain's last snapshot, oldest first, so one change writes a few hundred
/// bytes instead of the whole value. Entries the snapshot already holds (a crash between writing the snapshot and
/// clearing the log) are skipped by the reader.</summary>
[GenerateSerializer, Alias("mesh.DeltaLog`1")]
public sealed record DeltaLog<TEntry>
{
    [Id(0)] public ImmutableArray<TEntry> Entries { get; init; } = [];
}

/// <summary>Snapshot-plus-log durability of one grain's value: <see cref="AppendAsync"/> writes only the log (the
/// change), <see cref="CompactAsync"/> writes a new snapshot and then empties the log. Two storage entries of the grain
/// (state names "state" and "log"), each written whole and atomically by every provider (memory, SQLite, Redis).
/// <see cref="CommitAsync"/> picks between them by the log's weight (what each entry costs every later log write,
/// <paramref name="weight"/>): a change is logged while the log stays under <see cref="SnapshotLog.MaxLogWeight"/>, else
/// written as a snapshot; once the log reaches <see cref="SnapshotLog.CompactAfter"/> the grain folds it off the write path.</summary>
internal sealed class SnapshotLog<TSnapshot, TEntry>(IPersistentState<TSnapshot> snapshot, IPersistentState<DeltaLog<TEntry>> log, string kind,
    Func<TEntry, int> weight)
{
    private const int CompactAfter = SnapshotLog.CompactAfter, MaxLogWeight = SnapshotLog.MaxLogWeight;

    public TSnapshot Snapshot => snapshot.State;
    public ImmutableArray<TEntry> Entries => log.State.Entries.IsDefault ? [] : log.State.Entries;

    /// <summary>The weight of the entries logged since the snapshot.</summary>
    public int LoggedWeight { get; private set; }

    /// <summary>Counts the log's weight on activation: <paramref name="unfolded"/> tells the entries the snapshot does
    /// not hold yet (the others are skipped by readers and cleared by the next fold).</summary>
    public void Recount(Func<TEntry, bool> unfolded) => LoggedWeight = Entries.Where(unfolded).Sum(weight);

    /// <summary>Persists <paramref name="change"/>, which leads to <paramref name="next"/>: logged when it fits (and
    /// <paramref name="snapshotOnly"/> is false), else as the snapshot <paramref name="next"/>. Answers whether a fold is
    /// now due.</summary>
    public async Task<bool> CommitAsync(TEntry change, TSnapshot next, bool snapshotOnly = false)
    {
        var w = weight(change);
        if (!snapshotOnly && LoggedWeight + w <= MaxLogWeight)
        {
            await AppendAsync(change);
            LoggedWeight += w;
        }
        else
        {
            await CompactAsync(next);
            LoggedWeight = 0;
        }
        return LoggedWeight >= CompactAfter;
    }

    /// <summary>Folds the log into <paramref name="current"/> (the value with every logged change applied), if anything
    /// is logged.</summary>
    public async Task FoldAsync(TSnapshot current)
    {
        if (LoggedWeight == 0) return;
        await CompactAsync(current);
        LoggedWeight = 0;
    }

    private async Task AppendAsync(TEntry entry)
    {
        var previous = log.State;
        log.State = new DeltaLog<TEntry> { Entries = Entries.Add(entry) };
        try { await log.WriteStateAsync(); }
        catch { log.State = previous; throw; }
    }

    /// <summary>Writes <paramref name="folded"/> (the snapshot with every logged entry applied), then clears the log.
    /// Once the snapshot is written the change is durable: a failure to clear the log only leaves entries the snapshot
    /// already holds, which readers skip and the next compaction clears, so it is not the caller's failure.</summary>
    private async Task CompactAsync(TSnapshot folded)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try { await CompactCoreAsync(folded); }
        finally { StateMetrics.Compacted(kind, System.Diagnostics.Stopwatch.GetElapsedTime(started)); }
    }

    private async Task CompactCoreAsync(TSnapshot folded)
    {
        var previousSnapshot = snapshot.State;
        snapshot.State = folded;
        try { await snapshot.WriteStateAsync(); }
        catch { snapshot.State = previousSnapshot; throw; }
        if (Entries.IsEmpty) return;
        var previousLog = log.State;
        log.State = new DeltaLog<TEntry>();
        try { await log.WriteStateAsync(); }
        catch (Exception e) when (e is not OutOfMemoryException) { log.State = previousLog; }
    }
}

/// <summary>The log limits every <see cref="SnapshotLog{TSnapshot, TEntry}"/> shares.</summary>
internal static class SnapshotLog
{
    /// <summary>Log weight after which a fold is due (the grain schedules one off the write path).</summary>
    public const int CompactAfter = 64;

    /// <summary>Log weight a write may not take the log past: that change is written as a snapshot instead.</summary>
    public const int MaxLogWeight = 512;
}

/// <summary>Instruments of grain state (meter "Mesh.Grains"): how long folding a log into a snapshot took, by grain kind
/// (catalog, endpointset, inboundpolicies, addresses) — a fold runs in the grain's turn, so a change arriving meanwhile
/// waits for it.</summary>
public static class StateMetrics
{
    public const string MeterName = "Mesh.Grains";
    private static readonly System.Diagnostics.Metrics.Meter Meter = new(MeterName);
    private static readonly System.Diagnostics.Metrics.Histogram<double> Compactions =
        Meter.CreateHistogram<double>("mesh_state_compaction_duration", "ms", "Snapshot writes folding a grain's change log (and writes too large to log)");

    internal static void Compacted(string kind, TimeSpan took) =>
        Compactions.Record(took.TotalMilliseconds, new KeyValuePair<string, object?>("grain", kind));
}
