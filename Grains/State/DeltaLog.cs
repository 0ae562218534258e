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
/// (state names "state" and "log"), each written whole and atomically by every provider (memory, SQLite, Redis).</summary>
internal sealed class SnapshotLog<TSnapshot, TEntry>(IPersistentState<TSnapshot> snapshot, IPersistentState<DeltaLog<TEntry>> log, string kind)
{
    public TSnapshot Snapshot => snapshot.State;
    public ImmutableArray<TEntry> Entries => log.State.Entries.IsDefault ? [] : log.State.Entries;

    public async Task AppendAsync(TEntry entry)
    {
        var previous = log.State;
        log.State = new DeltaLog<TEntry> { Entries = Entries.Add(entry) };
        try { await log.WriteStateAsync(); }
        catch { log.State = previous; throw; }
    }

    /// <summary>Writes <paramref name="folded"/> (the snapshot with every logged entry applied), then clears the log.
    /// Once the snapshot is written the change is durable: a failure to clear the log only leaves entries the snapshot
    /// already holds, which readers skip and the next compaction clears, so it is not the caller's failure.</summary>
    public async Task CompactAsync(TSnapshot folded)
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
