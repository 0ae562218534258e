namespace Mesh.Silo.Kubernetes.Sync;

/// <summary>When a leader-term writer (route status, trust bundle) runs its pass: after a change, once a quiet window
/// has passed (a relist or a burst of events is one pass), and at least every <paramref name="resync"/> (a condition
/// that depends on a change the writer was not told of); a failed pass is retried with jittered backoff.</summary>
internal sealed class PassScheduler(TimeSpan quiet, TimeSpan resync, TimeProvider time)
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    /// <summary>Something the pass reads changed: a pass follows after the quiet window.</summary>
    public void Changed()
    {
        if (_signal.CurrentCount == 0)
            try { _signal.Release(); } catch (SemaphoreFullException) { } // a pass is already due
    }

    /// <summary>Runs passes until <paramref name="ct"/> ends the term.</summary>
    public async Task RunAsync(Func<CancellationToken, Task> pass, Action<Exception> failed, CancellationToken ct)
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10));
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await _signal.WaitAsync(resync, ct);
                await Task.Delay(quiet, time, ct);
                try
                {
                    await pass(ct);
                    backoff.Reset();
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    failed(e);
                    await backoff.DelayAsync(time, ct);
                    Changed();
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }
}
