namespace Mesh.Proxy.Hosting;

/// <summary>Gives memory back after a burst: when a whole interval passed without a GC (the proxy allocated less than
/// one gen0 budget: it is idle) and the GC holds much more than it did after the last trim, one aggressive full GC
/// decommits what the burst left.</summary>
/// <remarks>Why: the .NET GC runs only when the program allocates, so what it committed for a burst — 5,000 concurrent
/// HTTP/2 streams, or a flood of rapid resets (bench/README.md, bench/proxy/h2abuse.sh: 150–215 MB against 42 MB idle) —
/// stays committed while the sidecar sits idle, until traffic resumes. That is a high-water mark, not a leak (it does
/// not grow round after round), but an idle sidecar should not hold it. Collecting only when idle costs nothing under
/// load; a GC setting (GCConserveMemory, a hard limit) would act under load instead, where the memory is in use.</remarks>
internal sealed class IdleMemoryTrimmer(TimeProvider time) : IDisposable
{
    /// <summary>How often the GC's state is looked at.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    /// <summary>Committed memory above what the last trim left that is worth a full GC (idle: ~10 MB committed).</summary>
    public const long Slack = 32L << 20;

    private ITimer? _timer;
    private int _lastGcCount = -1;
    private long _floor;

    public void Start() => _timer = time.CreateTimer(_ => Tick(), null, Interval, Interval);

    private void Tick()
    {
        if (ShouldTrim(GC.CollectionCount(0), GC.GetGCMemoryInfo().TotalCommittedBytes))
        {
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            Trimmed(GC.CollectionCount(0), GC.GetGCMemoryInfo().TotalCommittedBytes);
        }
    }

    /// <summary>Whether to trim now, given the gen0 GC count (every GC counts as gen0) and the committed bytes; remembers the count.</summary>
    public bool ShouldTrim(int gcCount, long committed)
    {
        var idle = gcCount == _lastGcCount;
        _lastGcCount = gcCount;
        return idle && committed > _floor + Slack;
    }

    /// <summary>After a trim: the new floor, and its own GC does not count as activity.</summary>
    public void Trimmed(int gcCount, long committed)
    {
        _lastGcCount = gcCount;
        _floor = committed;
    }

    public void Dispose() => _timer?.Dispose();
}
