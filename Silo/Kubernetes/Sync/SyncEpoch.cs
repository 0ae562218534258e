namespace Mesh.Silo.Kubernetes.Sync;

/// <summary>The epochs one leader term stamps on its catalog writes: the Lease's transition count in the high bits (a
/// newer leader always writes higher epochs, so the catalog refuses a deposed leader's late write as stale) and a
/// per-term sequence in the low 40 bits that increases with every write (the catalog treats the same epoch twice as a
/// repeat). The sequence starts from the clock in milliseconds, so a restarted silo that finds its own name still on
/// the Lease (same transition count) still writes above its previous term. Thread-safe.</summary>
internal sealed class SyncEpoch(long transitions, TimeProvider time)
{
    internal const int SequenceBits = 40;
    private static readonly DateTimeOffset Origin = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly long _term = (transitions + 1) << SequenceBits;
    private long _last;

    /// <summary>The smallest epoch of this term.</summary>
    public long Term => _term;

    public long Next()
    {
        lock (this)
        {
            var ms = (long)(time.GetUtcNow() - Origin).TotalMilliseconds;
            _last = Math.Max(_last + 1, ms);
            return _term | (_last & ((1L << SequenceBits) - 1));
        }
    }
}

/// <summary>Exponential backoff with full jitter, for a loop that retries after an error.</summary>
internal sealed class Backoff(TimeSpan initial, TimeSpan max)
{
    private int _failures;

    public void Reset() => _failures = 0;

    public TimeSpan Next()
    {
        var ceiling = Math.Min(max.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, Math.Min(_failures++, 16)));
        return TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }

    public Task DelayAsync(TimeProvider time, CancellationToken ct) => Task.Delay(Next(), time, ct);
}
