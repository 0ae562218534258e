namespace Mesh.Proxy.Outbound.Resilience;

/// <summary>Per-endpoint consecutive-failure state: says when to eject and for how long (backoff doubles per ejection).</summary>
/// <remarks>After an ejection the endpoint is on probation: its first failure ejects it again with a longer backoff,
/// its first success clears everything (Linkerd's failure accrual).</remarks>
internal sealed class FailureAccrual
{
    private readonly Lock _gate = new();
    private int _consecutive;
    private int _ejections;

    /// <summary>Records a success: the endpoint is healthy again.</summary>
    public void RecordSuccess()
    {
        if (Volatile.Read(ref _consecutive) == 0 && Volatile.Read(ref _ejections) == 0) return;
        lock (_gate) { _consecutive = 0; _ejections = 0; }
    }

    /// <summary>Records a failure; returns how long to eject the endpoint, or null to keep it.</summary>
    public TimeSpan? RecordFailure(FailureAccrualSettings settings, double random01)
    {
        if (settings.ConsecutiveFailures <= 0) return null;
        lock (_gate)
        {
            _consecutive++;
            if (_ejections == 0 && _consecutive < settings.ConsecutiveFailures) return null;
            var backoff = Backoff(settings, _ejections, random01);
            _ejections++;
            _consecutive = 0;
            return backoff;
        }
    }

    /// <summary>min·2^n capped at max, then jittered by ±jitter/2 of itself (never below min/2).</summary>
    public static TimeSpan Backoff(FailureAccrualSettings s, int ejections, double random01)
    {
        var baseMs = Math.Min(s.MaxBackoff.TotalMilliseconds, s.MinBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(ejections, 30)));
        var jittered = baseMs * (1 + s.Jitter * (random01 - 0.5));
        return TimeSpan.FromMilliseconds(Math.Clamp(jittered, s.MinBackoff.TotalMilliseconds / 2, s.MaxBackoff.TotalMilliseconds * (1 + s.Jitter / 2)));
    }
}
