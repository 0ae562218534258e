namespace Mesh.Proxy.Inbound;

/// <summary>Generic cell rate algorithm: admits <c>rps</c> requests per second with a burst of one second's worth; lock-free.</summary>
internal sealed class GcraRateLimiter
{
    private readonly TimeProvider _time;
    private readonly long _emissionTicks;
    private readonly long _toleranceTicks;
    private long _theoreticalArrival;

    public GcraRateLimiter(uint rps, TimeProvider time)
    {
        _time = time;
        Rps = rps;
        _emissionTicks = TimeSpan.TicksPerSecond / Math.Max(1, rps);
        _toleranceTicks = TimeSpan.TicksPerSecond - _emissionTicks;
    }

    public uint Rps { get; }

    /// <summary>True when the request conforms (and is counted); false: over the limit.</summary>
    public bool TryAcquire()
    {
        var now = _time.GetUtcNow().UtcTicks;
        while (true)
        {
            var tat = Volatile.Read(ref _theoreticalArrival);
            var start = Math.Max(tat, now);
            if (start - now > _toleranceTicks) return false;
            if (Interlocked.CompareExchange(ref _theoreticalArrival, start + _emissionTicks, tat) == tat) return true;
        }
    }
}
