namespace Mesh.Silo.Kubernetes.Sync;

/// <summary>The poll the link writers share (<see cref="MirrorPublisher"/>, <see cref="LinkStatusWriter"/>): the link
/// grains write the catalog, not the API server, so no watch event announces what they wrote; every
/// <paramref name="period"/> a fingerprint of what the writer derives from the catalog is taken, and a different one
/// than last time asks for a pass. A failed read is logged through <paramref name="failed"/> and tried again next period.</summary>
internal static class CatalogPoll
{
    public static async Task RunAsync(Func<Task<string>> fingerprint, Action changed, Action<string> failed, TimeSpan period, TimeProvider time,
        CancellationToken ct)
    {
        string? last = null;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    var now = await fingerprint();
                    if (now != last) changed();
                    last = now;
                }
                catch (Exception e) when (e is not OperationCanceledException) { failed(e.Message); }
                await Task.Delay(period, time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }
}
