namespace Mesh.Proxy.Outbound.Resilience;

/// <summary>Linkerd's retry budget: retries may add 20 % of requests plus 10 retries/s, over a sliding 10 s window.</summary>
/// <remarks>One-second buckets in a ring; a lock guards them (a few ns per request, far from the hot path's cost).</remarks>
internal sealed class RetryBudget
{
    private const int Buckets = 10;
    private readonly TimeProvider _time;
    private readonly double _ratio;
    private readonly int _minPerSecond;
    private readonly long[] _deposits = new long[Buckets];
    private readonly long[] _withdrawals = new long[Buckets];
    private readonly long[] _epochs = new long[Buckets];
    private readonly Lock _gate = new();

    public RetryBudget(TimeProvider time, double ratio = 0.2, int minPerSecond = 10)
    {
        _time = time;
        _ratio = ratio;
        _minPerSecond = minPerSecond;
    }

    /// <summary>Counts an original request.</summary>
    public void Deposit()
    {
        lock (_gate) _deposits[Slot()]++;
    }

    /// <summary>Takes one retry from the budget when there is room.</summary>
    public bool TryWithdraw()
    {
        lock (_gate)
        {
            var slot = Slot();
            long deposits = 0, withdrawals = 0;
            for (var i = 0; i < Buckets; i++) { deposits += _deposits[i]; withdrawals += _withdrawals[i]; }
            var allowed = deposits * _ratio + _minPerSecond * (double)Buckets;
            if (withdrawals + 1 > allowed) return false;
            _withdrawals[slot]++;
            return true;
        }
    }

    private int Slot()
    {
        var second = (long)(_time.GetUtcNow().ToUnixTimeMilliseconds() / 1000);
        var slot = (int)(second % Buckets);
        if (_epochs[slot] != second)
        {
            _epochs[slot] = second;
            _deposits[slot] = 0;
            _withdrawals[slot] = 0;
        }
        // Buckets older than the window are cleared lazily as their slot comes round; stale ones must not count.
        for (var i = 0; i < Buckets; i++)
        {
            if (second - _epochs[i] >= Buckets) { _deposits[i] = 0; _withdrawals[i] = 0; _epochs[i] = second - Buckets; }
        }
        return slot;
    }
}
