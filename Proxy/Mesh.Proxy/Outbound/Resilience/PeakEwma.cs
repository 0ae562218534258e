namespace Mesh.Proxy.Outbound.Resilience;

/// <summary>Peak-EWMA latency estimate of one endpoint (as in Finagle/tower): jumps to peaks, decays towards new samples and, idle, towards zero.</summary>
internal sealed class PeakEwma
{
    private readonly TimeProvider _time;
    private readonly double _decayMs;
    private readonly Lock _gate = new();
    private double _estimateMs;
    private long _stamp;

    public PeakEwma(TimeProvider time, TimeSpan defaultRtt, TimeSpan decay)
    {
        _time = time;
        _decayMs = decay.TotalMilliseconds;
        _estimateMs = defaultRtt.TotalMilliseconds;
        _stamp = time.GetTimestamp();
    }

    /// <summary>Feeds one observed round-trip time.</summary>
    public void Observe(double rttMs)
    {
        lock (_gate) Update(rttMs);
    }

    /// <summary>The load used by P2C: estimate × (pending + 1). Reading decays the estimate as time passes.</summary>
    public double Load(int pending)
    {
        lock (_gate) return Update(0) * (pending + 1);
    }

    public double EstimateMs
    {
        get { lock (_gate) return _estimateMs; }
    }

    private double Update(double rttMs)
    {
        var now = _time.GetTimestamp();
        if (rttMs > _estimateMs)
        {
            _estimateMs = rttMs;
        }
        else
        {
            var elapsed = _time.GetElapsedTime(_stamp, now).TotalMilliseconds;
            var decay = Math.Exp(-elapsed / _decayMs);
            _estimateMs = _estimateMs * decay + rttMs * (1 - decay);
        }
        _stamp = now;
        return _estimateMs;
    }
}
